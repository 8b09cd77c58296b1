#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <string_view>

// The log facade: one named spdlog logger per subsystem, all writing to
// stderr (stdout belongs to command output). Message paths log at debug or
// trace only; info is for lifecycle events.
namespace troupe::log {

/// The logger of a subsystem: "actors", "node", "cluster", "config", "cli".
spdlog::logger& get(std::string_view subsystem);

inline spdlog::logger& actors() {
  return get("actors");
}

inline spdlog::logger& node() {
  return get("node");
}

inline spdlog::logger& cluster() {
  return get("cluster");
}

inline spdlog::logger& cli() {
  return get("cli");
}

/// Parses trace, debug, info, warn, error, critical or off.
std::optional<spdlog::level::level_enum> parse_level(std::string_view str);

/// Sets the level of every troupe logger, present and future.
void set_level(spdlog::level::level_enum level);

} // namespace troupe::log
