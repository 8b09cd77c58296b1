#include "actors/breaker/breaker_window.hpp"

#include <algorithm>

namespace troupe::breaker {

namespace {

constexpr uint8_t failed_bit = 1;
constexpr uint8_t slow_bit = 2;

} // namespace

breaker_window::breaker_window(const skills::breaker_policy& policy)
    : kind_(policy.window) {
  if (kind_ == skills::breaker_window_kind::count) {
    // Grows to its size as calls arrive: a skill that is rarely called
    // never pays for a large window.
    capacity_ = std::max<uint32_t>(policy.window_calls, 1);
    ring_.reserve(std::min<size_t>(capacity_, 1024));
  } else {
    width_ = std::max(caf::timespan{buckets},
                      policy.window_duration / static_cast<int64_t>(buckets));
  }
}

void breaker_window::record(time_point now, bool failure, bool slow) {
  uint8_t flags
    = static_cast<uint8_t>((failure ? failed_bit : 0) | (slow ? slow_bit : 0));
  if (kind_ == skills::breaker_window_kind::count) {
    if (ring_.size() < capacity_) {
      ring_.push_back(flags);
    } else {
      // The oldest call leaves the window.
      auto old = ring_[next_];
      --ring_totals_.calls;
      ring_totals_.failures -= (old & failed_bit) != 0;
      ring_totals_.slow -= (old & slow_bit) != 0;
      ring_[next_] = flags;
      next_ = (next_ + 1) % ring_.size();
    }
    ++ring_totals_.calls;
    ring_totals_.failures += failure;
    ring_totals_.slow += slow;
    return;
  }
  auto slice = slice_of(now);
  auto& b = buckets_[static_cast<size_t>(slice) % buckets];
  if (b.slice != slice) {
    b.slice = slice;
    b.counts = totals{};
  }
  ++b.counts.calls;
  b.counts.failures += failure;
  b.counts.slow += slow;
}

breaker_window::totals breaker_window::sum(time_point now) const {
  if (kind_ == skills::breaker_window_kind::count)
    return ring_totals_;
  totals out;
  auto current = slice_of(now);
  for (auto& b : buckets_)
    if (b.slice != unused && b.slice > current - static_cast<int64_t>(buckets)
        && b.slice <= current) {
      out.calls += b.counts.calls;
      out.failures += b.counts.failures;
      out.slow += b.counts.slow;
    }
  return out;
}

void breaker_window::clear() {
  ring_.clear();
  next_ = 0;
  ring_totals_ = totals{};
  for (auto& b : buckets_)
    b = bucket{};
}

} // namespace troupe::breaker
