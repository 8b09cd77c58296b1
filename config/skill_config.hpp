#pragma once

#include <caf/timespan.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace troupe {

class config_reader;

/// What a `[skills.NAME]` section of a config file says about one skill.
/// Unset fields keep the skill's own defaults (or the node's).
struct skill_config {
  std::string name;
  std::optional<std::string> version;
  std::optional<std::string> description;
  /// Workers in the skill's pool.
  std::optional<uint32_t> workers;
  /// Queued jobs before OVERLOADED.
  std::optional<uint64_t> queue_capacity;
  /// Deadline of the skill's jobs that set none.
  std::optional<caf::timespan> timeout;
  /// Whether running a job twice is harmless (only then are jobs retried).
  std::optional<bool> idempotent;
  /// Attempts per job including the first.
  std::optional<uint32_t> max_attempts;
  /// The skill's cache policy (`cache`, `cache-ttl`,
  /// `cache-max-entry-bytes`, `cache-failures`).
  std::optional<bool> cache;
  std::optional<caf::timespan> cache_ttl;
  std::optional<uint64_t> cache_max_entry_bytes;
  std::optional<bool> cache_failures;
};

/// Reads the keys of one `[skills.NAME]` section into `out`; problems are
/// recorded in the reader.
void read_skill_section(config_reader& section, skill_config& out);

} // namespace troupe
