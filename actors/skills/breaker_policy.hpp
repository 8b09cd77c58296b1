#pragma once

#include "messages/breaker_status.hpp"
#include "messages/job_status.hpp"

#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace troupe::skills {

/// Which recent calls a breaker's failure and slow-call rates cover.
enum class breaker_window_kind : uint8_t {
  /// The last `window_calls` calls.
  count,
  /// The calls of the last `window_duration`.
  time,
};

/// How a skill's circuit breaker decides (`[skills.NAME]` keys `breaker`,
/// `breaker-*` and `fallback`). Once enabled, the defaults trip a skill
/// that fails half of at least 20 recent calls and give it 10 s before 5
/// trial calls.
struct breaker_policy {
  /// Off by default: a breaker puts an actor in the skill's job path (two
  /// more messages per job), which only pays for skills that can fail or
  /// hang. Off, the skill's jobs go straight to its pool (unless retries
  /// need the breaker actor).
  bool enabled = false;
  breaker_window_kind window = breaker_window_kind::count;
  uint32_t window_calls = 100;
  caf::timespan window_duration = std::chrono::seconds(60);
  /// Calls the window must hold before a rate may trip the breaker (for a
  /// count window, at most `window_calls` are needed).
  uint32_t minimum_calls = 20;
  /// Trip when at least this percentage of the window's calls failed.
  double failure_rate = 50;
  /// Trip when at least this percentage of the window's calls were slow.
  double slow_call_rate = 100;
  /// A call is slow when it takes longer than this.
  caf::timespan slow_call_duration = std::chrono::seconds(60);
  /// How long the breaker stays open before it lets trial calls through.
  caf::timespan open_wait = std::chrono::seconds(10);
  /// Each consecutive trip (trial calls that fail again) multiplies the
  /// wait by this, up to `open_wait_max`; 1 keeps it constant.
  double open_wait_multiplier = 1;
  caf::timespan open_wait_max = std::chrono::minutes(5);
  /// Trial calls let through while half-open; their outcome closes the
  /// breaker or opens it again.
  uint32_t half_open_calls = 5;
  /// Statuses that count as failed calls. OK counts as a success; every
  /// other status is not counted at all (BAD_INPUT, CANCELLED and
  /// UNKNOWN_SKILL say nothing about the skill's health and never count).
  job_status_set failure_statuses{job_status::timeout, job_status::skill_error};
  /// A skill that answers instead while the breaker is open (its result is
  /// marked as a fallback); empty: answer BREAKER_OPEN.
  std::string fallback;
};

} // namespace troupe::skills
