#pragma once

#include <caf/timespan.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace troupe::link {

/// Limits of a batcher.
struct batch_limits {
  /// Flush once this many items are buffered.
  size_t max_count = 128;
  /// Flush once the buffered items reach this many bytes.
  size_t max_bytes = 1 << 20;
  /// The longest an item waits for company. The actual linger adapts to the
  /// arrival rate and is zero when traffic is light.
  caf::timespan max_linger = std::chrono::milliseconds(2);
  /// Items sent but not yet answered before the batcher stops sending; what
  /// arrives meanwhile is buffered (the destination is slow).
  size_t max_in_flight = 8192;
  /// Items buffered while the destination is slow before new ones are
  /// refused (backpressure upstream instead of unbounded memory).
  size_t max_buffered = 8192;
};

/// Why a batch went out.
enum class flush_reason : uint8_t {
  count,  ///< max_count items were buffered
  bytes,  ///< max_bytes were buffered
  linger, ///< the linger time passed
  idle,   ///< no more items were waiting in the mailbox (linger zero)
};

/// Number of flush reasons, for tables indexed by reason.
inline constexpr size_t flush_reason_count = 4;

/// Lower-case name of a flush reason (a metric label).
const char* to_string(flush_reason x) noexcept;

/// Decides when a batcher flushes: a plain state machine fed with arrivals,
/// flushes and answers, tested without actors.
///
/// The batcher flushes once its mailbox is drained, so items that arrive
/// together leave together and a lone item leaves at once. Linger, waiting
/// for company beyond that, only pays when items keep trickling in while
/// earlier ones are in flight; in a closed request/response loop nothing
/// arrives until answers come back, and waiting only adds latency. Arrival
/// timestamps cannot tell a burst from a stream, so linger is learned from
/// its own outcome: it starts at zero, is probed when flushes are frequent
/// and small while items are in flight, doubles (up to `max_linger`, and at
/// most a quarter of the measured round trip) when items did arrive while a
/// batch waited, and drops back to zero for a while when none did.
class batch_policy {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit batch_policy(batch_limits limits = {});

  const batch_limits& limits() const noexcept {
    return limits_;
  }

  /// Whether an item may be buffered now; false means refuse it (the buffer
  /// is full because the destination is slow).
  bool admit() const noexcept;

  /// Records an item of `bytes` buffered.
  void on_arrival(size_t bytes) noexcept;

  /// Whether the buffer reached max_count or max_bytes.
  bool full() const noexcept;

  /// Whether the destination has room for more items in flight.
  bool can_send() const noexcept;

  /// How long the current buffer, whose oldest item arrived at `oldest`,
  /// should still wait for company at `now`; zero means flush now.
  caf::timespan linger(time_point oldest, time_point now) const noexcept;

  /// Records that the batcher decided to let the current buffer wait.
  void on_linger_start() noexcept;

  /// Records that `count` buffered items (of `bytes`) were sent at `now`;
  /// learns from it whether lingering pays.
  void on_flush(size_t count, size_t bytes, time_point now) noexcept;

  /// Records that `count` sent items got their answers (or were given up).
  void on_answered(size_t count) noexcept;

  /// Records the round trip of one answered item.
  void on_round_trip(caf::timespan rtt) noexcept;

  size_t buffered() const noexcept {
    return buffered_;
  }

  size_t buffered_bytes() const noexcept {
    return buffered_bytes_;
  }

  size_t in_flight() const noexcept {
    return in_flight_;
  }

  /// The linger currently learned (zero when lingering does not pay).
  caf::timespan current_linger() const noexcept {
    return current_linger_;
  }

  /// The current estimate of an item's round trip (zero before any).
  caf::timespan mean_rtt() const noexcept {
    return caf::timespan{static_cast<int64_t>(mean_rtt_ns_)};
  }

 private:
  void adapt_after_linger(size_t arrived) noexcept;

  void maybe_probe() noexcept;

  caf::timespan cap(caf::timespan x) const noexcept;

  batch_limits limits_;
  size_t buffered_ = 0;
  size_t buffered_bytes_ = 0;
  size_t in_flight_ = 0;
  caf::timespan current_linger_{0};
  /// Set while the current buffer waits; how many items it held then.
  bool lingering_ = false;
  size_t buffered_at_linger_ = 0;
  /// Flushes to skip before probing again after a linger that did not pay.
  size_t cooldown_ = 0;
  time_point last_flush_{};
  /// Exponentially weighted means: time between flushes and items per
  /// flush, and the round trip, in ns.
  double mean_interval_ns_ = -1;
  double mean_batch_ = 0;
  double mean_rtt_ns_ = 0;
};

} // namespace troupe::link
