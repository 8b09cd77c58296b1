#include "cluster/local_load.hpp"

#include <algorithm>
#include <utility>

namespace troupe::cluster {

local_load::local_load(std::vector<skill_load> skills,
                       base::load_board_ptr board,
                       metrics::job_metrics_ptr jobs)
    : skills_(std::move(skills)), jobs_(std::move(jobs)) {
  in_flight_.reserve(skills_.size());
  for (auto& s : skills_)
    in_flight_.push_back(board ? board->counter_for(s.name) : nullptr);
}

std::vector<skill_load> local_load::sample(clock::time_point now) {
  auto out = skills_;
  for (size_t i = 0; i < out.size(); ++i) {
    auto& s = out[i];
    // A count read mid-update may dip below zero for a moment.
    auto n = in_flight_[i] ? std::max<int64_t>(in_flight_[i]->load(), 0) : 0;
    auto held = static_cast<uint64_t>(n);
    s.busy = static_cast<uint32_t>(std::min<uint64_t>(held, s.workers));
    s.queued = held - s.busy;
  }
  uint64_t total = 0;
  if (jobs_)
    for (auto& c : jobs_->counts())
      total += c.count;
  rate_ = 0;
  if (last_sample_ != clock::time_point{}) {
    auto secs = std::chrono::duration<double>(now - last_sample_).count();
    if (secs > 0 && total >= last_total_)
      rate_ = static_cast<double>(total - last_total_) / secs;
  }
  last_total_ = total;
  last_sample_ = now;
  return out;
}

} // namespace troupe::cluster
