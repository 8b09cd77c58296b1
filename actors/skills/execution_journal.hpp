#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::skills {

/// The environment variable naming the file where the `record` test skills
/// journal every execution (the chaos test counts executions per job there).
inline constexpr const char* execution_journal_env = "TROUPE_TEST_JOURNAL";

/// A fresh execution id, unique across processes and over time:
/// "<pid>.<µs since the epoch when this process first asked>.<counter>".
std::string next_execution_id();

/// Microseconds since the Unix epoch (wall clock).
uint64_t wall_clock_us();

/// One journal line, a JSON object ending in '\n':
/// {"skill":..,"input":..,"exec":..,"us":..}.
std::string journal_line(std::string_view skill, std::string_view input,
                         std::string_view exec_id, uint64_t us);

/// Appends `line` to the file at `path` (created if missing) with a single
/// write() on an O_APPEND descriptor, so that lines of concurrent writers
/// never interleave and the data is the kernel's as soon as this returns,
/// even if the process is killed right after. Returns an error message for
/// a person, or nothing on success.
std::optional<std::string> append_journal_line(const std::string& path,
                                               std::string_view line);

} // namespace troupe::skills
