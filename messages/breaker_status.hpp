#pragma once

#include "messages/job_status.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe {

/// The state of a skill's circuit breaker. The metric
/// `troupe_breaker_state` shows closed as 0, open as 1 and half-open as 2;
/// a forced state shows as the state it forces.
enum class circuit_state : uint8_t {
  closed,
  open,
  half_open,
  /// Opened by an operator; stays open until reset.
  forced_open,
  /// Closed by an operator; never trips until reset.
  forced_closed,
};

/// Lower-case name as users see it (`closed`, `half-open`, `forced-open`).
std::string_view to_string(circuit_state x) noexcept;

/// The value of `troupe_breaker_state` for `x` (0 closed, 1 open, 2
/// half-open).
int metric_value(circuit_state x) noexcept;

/// Statuses a breaker never counts as failures: they say nothing about the
/// skill's health (or are its own answer).
inline constexpr job_status_set never_breaker_failures{
  job_status::ok, job_status::bad_input, job_status::cancelled,
  job_status::unknown_skill, job_status::breaker_open};

/// What an operator asks a breaker to do (`troupe breaker`).
enum class breaker_command : uint8_t {
  /// Nothing; answer the breaker's status.
  show,
  force_open,
  force_close,
  reset,
};

std::string_view to_string(breaker_command x) noexcept;

/// What `troupe status` shows about one skill's breaker.
struct breaker_status {
  std::string skill;
  /// False for a skill whose breaker is off (its jobs are only retried).
  bool enabled = true;
  circuit_state state = circuit_state::closed;
  /// Calls in the sliding window, and how many of them failed or were slow.
  uint64_t calls = 0;
  uint64_t failures = 0;
  uint64_t slow_calls = 0;
  /// Percentages 0..100 over the window.
  double failure_rate = 0;
  double slow_call_rate = 0;
  /// The policy's thresholds, to read the rates against.
  uint32_t minimum_calls = 0;
  double failure_rate_threshold = 0;
  double slow_call_rate_threshold = 0;
  /// Time until trial calls start (OPEN only).
  caf::timespan until_half_open{0};
  /// HALF_OPEN: trial calls let through so far, of `half_open_calls`.
  uint32_t trial_calls = 0;
  uint32_t half_open_calls = 0;
  /// Since the node started: trips to OPEN, calls rejected while open (or
  /// answered by the fallback), answers of the fallback, retries started.
  uint64_t trips = 0;
  uint64_t rejected = 0;
  uint64_t fallbacks = 0;
  uint64_t retries = 0;
  /// The skill answering while open; empty: none.
  std::string fallback;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, breaker_status& x) {
  return f(caf::meta::type_name("breaker_status"), x.skill, x.enabled, x.state,
           x.calls, x.failures, x.slow_calls, x.failure_rate, x.slow_call_rate,
           x.minimum_calls, x.failure_rate_threshold,
           x.slow_call_rate_threshold, x.until_half_open, x.trial_calls,
           x.half_open_calls, x.trips, x.rejected, x.fallbacks, x.retries,
           x.fallback);
}

} // namespace troupe
