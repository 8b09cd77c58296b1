#pragma once

#include "config/config_parser.hpp"
#include "config/node_config.hpp"
#include "config/skill_config.hpp"

#include <caf/expected.hpp>
#include <caf/settings.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace troupe::config {

/// The largest config file troupe reads; a real one is a few KiB.
inline constexpr size_t max_config_file_bytes = 1024 * 1024;

/// Reads and parses the file at `path` (see `parse_config_text`). A
/// directory, an unreadable file or one larger than `max_config_file_bytes`
/// is an error.
[[nodiscard]] caf::expected<caf::settings>
read_config_file(const std::string& path);

/// Everything a troupe config file says, checked.
struct file_config {
  /// The `[node]` section applied over the defaults given to the loader.
  node_config node;
  /// One entry per `[skills.NAME]` section, sorted by name.
  std::vector<skill_config> skills;
};

/// Checks every section and key of a parsed config file: unknown sections
/// or keys, wrongly typed and out-of-range values are all reported, each
/// naming `origin` and the key.
[[nodiscard]] caf::expected<file_config>
read_file_config(const caf::settings& tree, const std::string& origin,
                 node_config defaults = {});

/// Reads, parses and checks the file at `path`.
[[nodiscard]] caf::expected<file_config>
load_config_file(const std::string& path, node_config defaults = {});

} // namespace troupe::config
