#include "actors/pool/job_estate.hpp"

#include "actors/log/logging.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "messages/errors.hpp"

#include <caf/send.hpp>

namespace troupe::pool {

job_estate::job_estate(std::string skill, std::string node_name,
                       metrics::job_metrics_ptr metrics)
    : skill_(std::move(skill)), node_name_(std::move(node_name)),
      metrics_(std::move(metrics)) {
  // nop
}

job_estate::~job_estate() {
  answer(jobs_, reason_);
}

void job_estate::answer(std::vector<bequeathed_job>& jobs,
                        const caf::error& reason) {
  if (jobs.empty())
    return;
  auto stopped = supervision::is_normal_exit(reason);
  log::actors().warn("pool {}: answering {} jobs it left behind ({})", skill_,
                     jobs.size(), stopped ? "the node stopped" : "no restart");
  auto now = caf::actor_clock::clock_type::now();
  for (auto& x : jobs) {
    auto status = stopped ? job_status::cancelled : job_status::internal;
    auto why = stopped ? "the node stopped before skill '" + skill_
                           + "' finished the job"
                       : "the pool of skill '" + skill_ + "' ended ("
                           + describe(reason)
                           + ") and was not restarted; the job did not "
                             "finish";
    auto r = make_failure(x.j, status, std::move(why));
    r.node = node_name_;
    r.attempts = x.attempts;
    r.queue_time = now - x.arrived;
    if (metrics_)
      metrics_->record(skill_, status, now - x.arrived);
    caf::anon_send(x.sink, std::move(r));
  }
  jobs.clear();
}

void job_estate::bequeath(std::vector<bequeathed_job> jobs,
                          const caf::error& reason) {
  std::unique_lock<std::mutex> guard{mtx_};
  reason_ = reason;
  if (closed_) {
    guard.unlock();
    answer(jobs, reason);
    return;
  }
  if (jobs_.empty()) {
    jobs_ = std::move(jobs);
    return;
  }
  jobs_.insert(jobs_.end(), std::make_move_iterator(jobs.begin()),
               std::make_move_iterator(jobs.end()));
}

std::vector<bequeathed_job> job_estate::inherit() {
  std::lock_guard<std::mutex> guard{mtx_};
  closed_ = false;
  return std::exchange(jobs_, {});
}

void job_estate::close(const caf::error& reason) {
  std::vector<bequeathed_job> jobs;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    jobs.swap(jobs_);
  }
  answer(jobs, reason);
}

size_t job_estate::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return jobs_.size();
}

} // namespace troupe::pool
