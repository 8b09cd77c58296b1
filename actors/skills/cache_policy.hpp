#pragma once

#include "messages/job_status.hpp"

#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>

namespace troupe::skills {

/// How the result cache treats one skill's jobs (`[skills.NAME]` keys
/// `cache`, `cache-ttl`, `cache-max-entry-bytes`, `cache-failures`).
struct cache_policy {
  /// Off by default: only skills whose output depends on nothing but their
  /// input may be cached.
  bool enabled = false;
  /// How long a result stays valid.
  caf::timespan ttl = std::chrono::minutes(10);
  /// Larger results are returned but not kept.
  uint64_t max_entry_bytes = 1024 * 1024;
  /// Also keep failures that the same input would reproduce (SKILL_ERROR,
  /// BAD_INPUT). Transient failures (TIMEOUT, OVERLOADED, ...) never are.
  bool negative = false;
};

/// Whether a result with status `st` may be stored under `policy`.
inline bool cacheable(const cache_policy& policy, job_status st) noexcept {
  if (st == job_status::ok)
    return true;
  return policy.negative
         && (st == job_status::skill_error || st == job_status::bad_input);
}

} // namespace troupe::skills
