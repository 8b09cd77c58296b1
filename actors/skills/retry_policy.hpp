#pragma once

#include "messages/job_status.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace troupe::skills {

/// How a skill's failed jobs are retried (`[skills.NAME]` keys `retry-on`,
/// `retry-backoff`, `retry-backoff-max`, `attempt-timeout`; the number of
/// attempts is the skill's `max-attempts`, shared with the retries after a
/// worker crash and the failover of a lost node). Only idempotent skills
/// are retried.
struct retry_policy {
  /// Statuses worth another attempt. None by default: retrying is a choice
  /// per skill (the transient statuses, `is_retryable`, are the usual one),
  /// and it puts the breaker actor in the skill's job path.
  job_status_set retry_on;
  /// Exponential backoff with full jitter: the wait before attempt n + 1 is
  /// uniform in [0, min(backoff_max, backoff * 2^(n-1))].
  caf::timespan backoff = std::chrono::milliseconds(50);
  caf::timespan backoff_max = std::chrono::seconds(2);
  /// Deadline of each attempt (0: an attempt may use all the time the job
  /// has left). Makes TIMEOUT worth retrying: without it a timed-out
  /// attempt has spent the job's whole deadline.
  caf::timespan attempt_timeout{0};
};

/// The longest wait before attempt `next` (2 for the first retry).
caf::timespan backoff_ceiling(const retry_policy& policy, uint32_t next);

/// What to do after an attempt ended with a failure.
struct retry_decision {
  /// Start attempt `attempts + 1` after `delay`.
  bool retry = false;
  caf::timespan delay{0};
  /// Why not, for the result's error (empty when there is nothing to add,
  /// e.g. the status is not one to retry).
  std::string why_not;
};

/// Decides whether a job whose attempt ended with `status` is tried again.
/// `attempts` ran so far out of `max_attempts`; `deadline` bounds every
/// attempt; `jitter` is a uniform random number in [0, 1) that picks the
/// delay (full jitter).
retry_decision plan_retry(const retry_policy& policy, bool idempotent,
                          job_status status, uint32_t attempts,
                          uint32_t max_attempts,
                          caf::actor_clock::time_point now,
                          caf::actor_clock::time_point deadline, double jitter);

} // namespace troupe::skills
