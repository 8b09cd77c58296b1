#include "actors/metrics/recent_jobs.hpp"

#include <algorithm>
#include <chrono>

namespace troupe::metrics {

void recent_jobs::record(const std::vector<job_result>& results,
                         int64_t unix_ms) {
  if (results.empty())
    return;
  // Only the newest `capacity` of a batch can stay.
  auto first = results.size() > capacity ? results.size() - capacity : 0;
  std::lock_guard<std::mutex> guard{mtx_};
  if (ring_.size() < capacity)
    ring_.reserve(capacity);
  for (auto i = first; i < results.size(); ++i) {
    auto& r = results[i];
    auto seq = next_seq_++;
    auto& e = ring_.size() < capacity ? ring_.emplace_back()
                                      : ring_[(seq - 1) % capacity];
    e.seq = seq;
    e.skill.assign(r.skill);
    e.node.assign(r.node);
    e.status = r.status;
    e.micros = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(r.queue_time
                                                            + r.run_time)
        .count());
    e.unix_ms = unix_ms;
  }
}

std::vector<recent_job> recent_jobs::list() const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto out = ring_;
  std::sort(out.begin(), out.end(),
            [](const recent_job& a, const recent_job& b) {
              return a.seq < b.seq;
            });
  return out;
}

} // namespace troupe::metrics
