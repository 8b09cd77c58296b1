#pragma once

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace troupe::pool {

/// The queue of one worker pool: higher priority first, first come first
/// served among equal priority, and aging, so that a low-priority job is
/// never starved: each `aging` a job waits counts as one priority level.
///
/// Aging needs no periodic re-sorting. A job of priority p arriving at t is
/// ranked as if it had arrived at t - p * aging; comparing two such ranks
/// compares p + waited / aging for both jobs at any later moment, so one
/// heap ordered by rank (then by arrival order) stays correct forever.
/// Jobs that leave the queue otherwise (timed out, cancelled) are not
/// searched for: `pop` skips them and `compact` drops them once they
/// dominate. Used by one actor only.
class job_queue {
 public:
  using time_point = caf::actor_clock::time_point;

  /// Priorities beyond this magnitude count as this much (keeps ranks far
  /// from overflowing).
  static constexpr int32_t max_priority = 1'000'000;

  /// A job's place in the queue; keep it to put the job back where it was.
  struct entry {
    int64_t rank;
    uint64_t seq;
    uint64_t ticket;
  };

  explicit job_queue(caf::timespan aging);

  /// The place of a job with `priority` arriving at `arrived`; later calls
  /// rank after earlier ones with the same rank.
  entry make_entry(uint64_t ticket, int32_t priority, time_point arrived);

  void push(const entry& x) {
    heap_.push(x);
  }

  /// Removes and returns the first entry for which `is_live(ticket)` holds,
  /// dropping the stale ones before it; false when none is left.
  template <class IsLive>
  bool pop(IsLive is_live, entry& out) {
    while (!heap_.empty()) {
      auto x = heap_.top();
      heap_.pop();
      if (is_live(x.ticket)) {
        out = x;
        return true;
      }
    }
    return false;
  }

  /// Entries held, stale ones included.
  size_t size() const noexcept {
    return heap_.size();
  }

  bool empty() const noexcept {
    return heap_.empty();
  }

  /// Drops stale entries when they outnumber the `live` ones.
  template <class IsLive>
  void compact(size_t live, IsLive is_live) {
    if (heap_.size() <= 2 * live + 1024)
      return;
    std::vector<entry> keep;
    keep.reserve(live);
    while (!heap_.empty()) {
      if (is_live(heap_.top().ticket))
        keep.push_back(heap_.top());
      heap_.pop();
    }
    heap_ = decltype(heap_){later{}, std::move(keep)};
  }

 private:
  struct later {
    bool operator()(const entry& a, const entry& b) const noexcept {
      return a.rank != b.rank ? a.rank > b.rank : a.seq > b.seq;
    }
  };

  int64_t aging_ns_;
  uint64_t next_seq_ = 0;
  std::priority_queue<entry, std::vector<entry>, later> heap_;
};

} // namespace troupe::pool
