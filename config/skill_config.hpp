#pragma once

#include "messages/breaker_status.hpp"
#include "messages/job_status.hpp"

#include <caf/timespan.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe::config {

class config_reader;

/// What a `[skills.NAME]` section of a config file says about one skill.
/// Unset fields keep the skill's own defaults (or the node's). A section
/// with `kind = "process"` defines a new process skill.
struct skill_config {
  std::string name;
  /// "native" (a skill built into the node) or "process".
  std::optional<std::string> kind;
  std::optional<std::string> version;
  std::optional<std::string> description;
  /// Workers in the skill's pool, a fixed number ...
  std::optional<uint32_t> workers;
  /// ... or a range the pool moves in with its queue (elastic).
  std::optional<uint32_t> min_workers;
  std::optional<uint32_t> max_workers;
  /// Workers above the minimum retire after being idle this long.
  std::optional<caf::timespan> idle_timeout;
  /// Queued jobs before OVERLOADED.
  std::optional<uint64_t> queue_capacity;
  /// Deadline of the skill's jobs that set none.
  std::optional<caf::timespan> timeout;
  /// Whether running a job twice is harmless (only then are jobs retried).
  std::optional<bool> idempotent;
  /// Attempts per job including the first.
  std::optional<uint32_t> max_attempts;
  /// Waiting this long counts as one priority level.
  std::optional<caf::timespan> priority_aging;
  /// The skill's cache policy (`cache`, `cache-ttl`,
  /// `cache-max-entry-bytes`, `cache-failures`).
  std::optional<bool> cache;
  std::optional<caf::timespan> cache_ttl;
  std::optional<uint64_t> cache_max_entry_bytes;
  std::optional<bool> cache_failures;
  /// Retries (`retry-on`, `retry-backoff`, `retry-backoff-max`,
  /// `attempt-timeout`).
  std::optional<job_status_set> retry_on;
  std::optional<caf::timespan> retry_backoff;
  std::optional<caf::timespan> retry_backoff_max;
  std::optional<caf::timespan> attempt_timeout;
  /// The circuit breaker (`breaker`, `breaker-*`) and its `fallback`.
  std::optional<bool> breaker;
  /// "count" or "time".
  std::optional<std::string> breaker_window;
  std::optional<uint32_t> breaker_window_calls;
  std::optional<caf::timespan> breaker_window_duration;
  std::optional<uint32_t> breaker_minimum_calls;
  std::optional<double> breaker_failure_rate;
  std::optional<double> breaker_slow_call_rate;
  std::optional<caf::timespan> breaker_slow_call_duration;
  std::optional<caf::timespan> breaker_open_wait;
  std::optional<double> breaker_open_wait_multiplier;
  std::optional<caf::timespan> breaker_open_wait_max;
  std::optional<uint32_t> breaker_half_open_calls;
  std::optional<job_status_set> breaker_failure_statuses;
  std::optional<std::string> fallback;

  /// Whether the section sets a key of the breaker other than `breaker`
  /// (which turns the breaker on unless `breaker = false`).
  bool sets_breaker_keys() const;
  // -- process skills ---------------------------------------------------------
  /// The program, resolved and checked when the file is read (an absolute
  /// path, or the path found on PATH).
  std::optional<std::string> command;
  std::optional<std::vector<std::string>> args;
  std::optional<std::map<std::string, std::string>> env;
  /// Absolute.
  std::optional<std::string> workdir;
  std::optional<uint64_t> recycle_after;
  std::optional<caf::timespan> start_timeout;
  std::optional<caf::timespan> ping_interval;
  std::optional<caf::timespan> ping_timeout;
  std::optional<caf::timespan> kill_grace;
  std::optional<uint64_t> max_frame_bytes;
  std::optional<uint32_t> stderr_lines_per_second;

  bool is_process() const {
    return kind && *kind == "process";
  }
};

/// Statuses a skill may retry: the ones a later attempt can change.
inline constexpr job_status_set retryable_by_config{
  job_status::skill_error, job_status::timeout, job_status::overloaded,
  job_status::node_lost, job_status::internal};

/// Reads the keys of one `[skills.NAME]` section into `out`; problems are
/// recorded in the reader. Relative paths (`command` with a '/', `workdir`)
/// are relative to `base_dir`, the config file's directory.
void read_skill_section(config_reader& section, skill_config& out,
                        const std::string& base_dir = ".");

} // namespace troupe::config
