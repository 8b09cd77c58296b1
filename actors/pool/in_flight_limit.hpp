#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace troupe::pool {

/// The bound on the jobs a node holds in its worker pools at once (queued
/// or running), shared by all its pools: a job beyond it is answered
/// OVERLOADED at once, whatever room its own skill's queue has left.
/// Thread-safe.
class in_flight_limit {
 public:
  explicit in_flight_limit(uint64_t max) : max_(max) {
    // nop
  }

  /// Counts one more job; false (counting nothing) when the node is full.
  bool try_acquire() noexcept {
    if (count_.fetch_add(1, std::memory_order_relaxed) >= max_) {
      count_.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    return true;
  }

  /// Counts one more job even beyond the bound: for jobs a restarted pool
  /// takes over from its predecessor, which released theirs.
  void force_acquire() noexcept {
    count_.fetch_add(1, std::memory_order_relaxed);
  }

  void release() noexcept {
    count_.fetch_sub(1, std::memory_order_relaxed);
  }

  uint64_t current() const noexcept {
    return count_.load(std::memory_order_relaxed);
  }

  uint64_t max() const noexcept {
    return max_;
  }

 private:
  const uint64_t max_;
  std::atomic<uint64_t> count_{0};
};

using in_flight_limit_ptr = std::shared_ptr<in_flight_limit>;

} // namespace troupe::pool
