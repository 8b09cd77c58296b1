#pragma once

#include "messages/job.hpp"

#include <caf/expected.hpp>

#include <string_view>

namespace troupe::client {

/// Parses one line of a JSONL job file: an object with "skill" (required),
/// "input" (a string), "timeout" ("500ms", "2s", or a number of
/// milliseconds), "priority" (a whole number), "cache" ("normal", "bypass"
/// or "refresh") and "max_attempts". Unknown members are refused so that a
/// typo never goes unnoticed; the error says what is wrong.
[[nodiscard]] caf::expected<job> parse_job_line(std::string_view line);

} // namespace troupe::client
