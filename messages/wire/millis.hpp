#pragma once

#include "messages/job.hpp"

#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>

// Durations on the wire are whole milliseconds, in both protocols.
namespace troupe::wire {

/// Rounds up: a positive duration below 1 ms must not become 0, which means
/// "the node's default" for a timeout.
inline uint64_t to_millis(caf::timespan x) {
  using std::chrono::milliseconds;
  if (x <= caf::timespan{0})
    return 0;
  auto ms = std::chrono::duration_cast<milliseconds>(x);
  if (ms < x)
    ms += milliseconds{1};
  return static_cast<uint64_t>(ms.count());
}

/// Clamps instead of overflowing: a timespan counts nanoseconds in an
/// int64_t, so huge values would wrap into a short or negative timeout, and
/// deadlines computed as now + timeout must not overflow either.
inline caf::timespan from_millis(uint64_t ms) {
  using std::chrono::milliseconds;
  constexpr auto max_ms = static_cast<uint64_t>(
    std::chrono::duration_cast<milliseconds>(max_job_timeout).count());
  if (ms >= max_ms)
    return max_job_timeout;
  return std::chrono::duration_cast<caf::timespan>(
    milliseconds{static_cast<int64_t>(ms)});
}

/// Microseconds of a duration that is never negative.
inline uint64_t to_micros(caf::timespan x) {
  return x <= caf::timespan{0}
           ? 0
           : static_cast<uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(x).count());
}

/// Clamps instead of overflowing, as `from_millis` does: a peer may send
/// any number (the fuzzer found a wrapped, negative queue time).
inline caf::timespan from_micros(uint64_t us) {
  constexpr auto max_us = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(
      caf::timespan::max())
      .count());
  return std::chrono::duration_cast<caf::timespan>(std::chrono::microseconds{
    static_cast<int64_t>(us < max_us ? us : max_us)});
}

} // namespace troupe::wire
