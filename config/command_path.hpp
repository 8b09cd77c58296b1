#pragma once

#include <caf/expected.hpp>

#include <string>

namespace troupe::config {

/// Finds the executable `command` names, as a process skill's worker will
/// run it: a name without '/' is looked up on PATH, a relative path is taken
/// relative to `base_dir`. Fails with `error_code::invalid_config` saying
/// why (not found, not executable, a directory).
[[nodiscard]] caf::expected<std::string>
resolve_command(const std::string& command, const std::string& base_dir);

/// `path` made absolute against `base_dir` (when relative) and normalized.
std::string absolute_path(const std::string& path, const std::string& base_dir);

} // namespace troupe::config
