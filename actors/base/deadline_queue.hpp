#pragma once

#include <caf/actor_clock.hpp>

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace troupe::base {

/// Deadlines of the jobs an actor holds, earliest first. Answered jobs are
/// not removed one by one (that would need a search); `pop_due` skips them
/// and `compact` rebuilds the heap once they dominate, so memory stays
/// proportional to the jobs actually pending. Used by one actor only.
class deadline_queue {
 public:
  using time_point = caf::actor_clock::time_point;

  void push(time_point when, uint64_t id) {
    heap_.push(entry{when, id});
  }

  bool empty() const noexcept {
    return heap_.empty();
  }

  size_t size() const noexcept {
    return heap_.size();
  }

  /// The earliest deadline; only when not empty.
  time_point next() const {
    return heap_.top().when;
  }

  /// Calls `f(id)` for every entry due at `now`, earliest first; `f` decides
  /// whether the job is still pending.
  template <class F>
  void pop_due(time_point now, F&& f) {
    while (!heap_.empty() && heap_.top().when <= now) {
      auto id = heap_.top().id;
      heap_.pop();
      f(id);
    }
  }

  /// Rebuilds the heap from the `live` (deadline, id) pairs when stale
  /// entries outnumber them.
  template <class Range, class Deadline>
  void compact(const Range& live, Deadline deadline_of) {
    if (heap_.size() <= 2 * live.size() + 1024)
      return;
    std::priority_queue<entry, std::vector<entry>, std::greater<>> fresh;
    for (auto& [id, value] : live)
      fresh.push(entry{deadline_of(value), id});
    heap_.swap(fresh);
  }

 private:
  struct entry {
    time_point when;
    uint64_t id;
    bool operator>(const entry& other) const {
      return when > other.when;
    }
  };

  std::priority_queue<entry, std::vector<entry>, std::greater<>> heap_;
};

} // namespace troupe::base
