#pragma once

#include "actors/skills/breaker_policy.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace troupe::breaker {

/// The outcomes of a breaker's recent calls: the last N calls (count-based)
/// or the calls of the last N seconds (time-based). A time-based window
/// keeps one bucket per tenth of its length and moves a bucket at a time,
/// so memory stays fixed however many calls arrive. Plain logic for one
/// actor; not thread-safe.
class breaker_window {
 public:
  using time_point = caf::actor_clock::time_point;

  /// Buckets of a time-based window.
  static constexpr size_t buckets = 10;

  /// What the window holds now.
  struct totals {
    uint64_t calls = 0;
    uint64_t failures = 0;
    uint64_t slow = 0;

    /// Percentages 0..100 (0 without calls).
    double failure_rate() const noexcept {
      return calls > 0 ? 100.0 * static_cast<double>(failures) / calls : 0.0;
    }

    double slow_call_rate() const noexcept {
      return calls > 0 ? 100.0 * static_cast<double>(slow) / calls : 0.0;
    }
  };

  /// A window of the kind and size `policy` asks for.
  explicit breaker_window(const skills::breaker_policy& policy);

  /// Records one call that ended at `now`.
  void record(time_point now, bool failure, bool slow);

  /// The calls still in the window at `now`.
  totals sum(time_point now) const;

  /// Forgets every call.
  void clear();

  skills::breaker_window_kind kind() const noexcept {
    return kind_;
  }

 private:
  static constexpr int64_t unused = std::numeric_limits<int64_t>::min();

  struct bucket {
    /// Which slice of time the bucket holds (time since the clock's epoch
    /// divided by the bucket width); `unused` when empty.
    int64_t slice = unused;
    totals counts;
  };

  int64_t slice_of(time_point t) const noexcept {
    return t.time_since_epoch().count() / width_.count();
  }

  skills::breaker_window_kind kind_;
  // -- count-based: a ring of the last calls' outcomes (bit 0 failure, bit 1
  // slow) and their running totals.
  std::vector<uint8_t> ring_;
  size_t capacity_ = 0;
  /// The oldest call once the ring is full.
  size_t next_ = 0;
  totals ring_totals_;
  // -- time-based.
  caf::timespan width_{1};
  std::array<bucket, buckets> buckets_{};
};

} // namespace troupe::breaker
