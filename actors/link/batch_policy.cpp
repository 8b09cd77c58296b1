#include "actors/link/batch_policy.hpp"

#include <algorithm>

namespace troupe::link {

namespace {

// Weight of a new sample in the moving averages: recent traffic matters,
// one outlier does not.
constexpr double sample_weight = 0.125;

// Flushes to skip before probing again after a linger that did not pay.
constexpr size_t probe_cooldown = 32;

// Flushes to observe before the first probe.
constexpr size_t warm_up_flushes = 8;

double ns(caf::timespan x) {
  return static_cast<double>(x.count());
}

caf::timespan span(double ns) {
  return caf::timespan{static_cast<int64_t>(ns)};
}

} // namespace

const char* to_string(flush_reason x) noexcept {
  switch (x) {
    case flush_reason::count:
      return "count";
    case flush_reason::bytes:
      return "bytes";
    case flush_reason::linger:
      return "linger";
    default:
      return "idle";
  }
}

batch_policy::batch_policy(batch_limits limits)
    : limits_(limits), cooldown_(warm_up_flushes) {
  limits_.max_count = std::max<size_t>(limits_.max_count, 1);
  limits_.max_in_flight = std::max<size_t>(limits_.max_in_flight, 1);
}

bool batch_policy::admit() const noexcept {
  // While the destination has room, the buffer drains at every flush; it
  // only grows while the destination is slow, and only up to max_buffered.
  return buffered_ < limits_.max_buffered;
}

void batch_policy::on_arrival(size_t bytes) noexcept {
  ++buffered_;
  buffered_bytes_ += bytes;
}

bool batch_policy::full() const noexcept {
  return buffered_ >= limits_.max_count || buffered_bytes_ >= limits_.max_bytes;
}

bool batch_policy::can_send() const noexcept {
  return in_flight_ < limits_.max_in_flight;
}

caf::timespan batch_policy::linger(time_point oldest,
                                   time_point now) const noexcept {
  auto zero = caf::timespan{0};
  if (buffered_ == 0 || in_flight_ == 0 || current_linger_ <= zero)
    return zero;
  auto waited = now - oldest;
  return waited >= current_linger_ ? zero : current_linger_ - waited;
}

void batch_policy::on_linger_start() noexcept {
  if (!lingering_) {
    lingering_ = true;
    buffered_at_linger_ = buffered_;
  }
}

caf::timespan batch_policy::cap(caf::timespan x) const noexcept {
  auto limit = ns(limits_.max_linger);
  if (mean_rtt_ns_ > 0)
    limit = std::min(limit, mean_rtt_ns_ / 4);
  return span(std::min(ns(x), limit));
}

void batch_policy::adapt_after_linger(size_t arrived) noexcept {
  if (arrived > 0) {
    current_linger_ = cap(current_linger_ * 2);
    return;
  }
  // Nothing came: waiting only cost latency.
  current_linger_ = caf::timespan{0};
  cooldown_ = probe_cooldown;
}

void batch_policy::maybe_probe() noexcept {
  if (current_linger_ > caf::timespan{0} || in_flight_ == 0)
    return;
  if (cooldown_ > 0) {
    --cooldown_;
    return;
  }
  // Frequent, small batches while items are in flight: items trickle in,
  // so try waiting about two flush intervals for company.
  auto small = std::max(2.0, static_cast<double>(limits_.max_count) / 16);
  if (mean_interval_ns_ >= 0 && mean_batch_ < small
      && mean_interval_ns_ * 2 < ns(limits_.max_linger))
    current_linger_ = cap(span(mean_interval_ns_ * 2));
}

void batch_policy::on_flush(size_t count, size_t bytes,
                            time_point now) noexcept {
  count = std::min(count, buffered_);
  if (lingering_) {
    lingering_ = false;
    adapt_after_linger(
      buffered_ > buffered_at_linger_ ? buffered_ - buffered_at_linger_ : 0);
  }
  if (last_flush_ != time_point{}) {
    auto interval = std::min(ns(now - last_flush_), ns(limits_.max_linger) * 4);
    if (mean_interval_ns_ < 0)
      mean_interval_ns_ = interval;
    else
      mean_interval_ns_ += sample_weight * (interval - mean_interval_ns_);
  }
  last_flush_ = now;
  mean_batch_ += sample_weight * (static_cast<double>(count) - mean_batch_);
  buffered_ -= count;
  buffered_bytes_ -= std::min(bytes, buffered_bytes_);
  in_flight_ += count;
  maybe_probe();
}

void batch_policy::on_answered(size_t count) noexcept {
  in_flight_ -= std::min(count, in_flight_);
}

void batch_policy::on_round_trip(caf::timespan rtt) noexcept {
  if (mean_rtt_ns_ == 0)
    mean_rtt_ns_ = ns(rtt);
  else
    mean_rtt_ns_ += sample_weight * (ns(rtt) - mean_rtt_ns_);
  current_linger_ = cap(current_linger_);
}

} // namespace troupe::link
