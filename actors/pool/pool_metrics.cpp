#include "actors/pool/pool_metrics.hpp"

#include "actors/metrics/job_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

namespace troupe::pool {

void pool_metrics::skill_series::workers(uint32_t n_busy, uint32_t n_idle,
                                         uint32_t n_starting) const {
  busy->Set(n_busy);
  idle->Set(n_idle);
  starting->Set(n_starting);
}

void pool_metrics::skill_series::queued(uint64_t depth) const {
  queue_depth->Set(static_cast<double>(depth));
}

void pool_metrics::skill_series::ran(caf::timespan wait,
                                     caf::timespan run) const {
  queue_wait->Observe(metrics::seconds(wait));
  run_time->Observe(metrics::seconds(run));
}

void pool_metrics::skill_series::restarted(restart_reason why) const {
  if (auto* c = restarts[static_cast<size_t>(why)])
    c->Increment();
}

pool_metrics::pool_metrics(prometheus::Registry& registry)
    : workers_(&prometheus::BuildGauge()
                  .Name("troupe_pool_workers")
                  .Help("Workers of a skill's pool by state (busy, idle, "
                        "starting)")
                  .Register(registry)),
      queue_depth_(&prometheus::BuildGauge()
                      .Name("troupe_pool_queue_depth")
                      .Help("Jobs waiting in a skill's queue")
                      .Register(registry)),
      restarts_(&prometheus::BuildCounter()
                   .Name("troupe_process_restarts_total")
                   .Help("Worker processes replaced, by skill and reason")
                   .Register(registry)),
      queue_wait_(&prometheus::BuildHistogram()
                     .Name("troupe_pool_queue_wait_seconds")
                     .Help("Time a job waited in its pool before the run "
                           "that answered it")
                     .Register(registry)),
      run_time_(&prometheus::BuildHistogram()
                   .Name("troupe_pool_run_seconds")
                   .Help("Time a worker spent running a job")
                   .Register(registry)) {
  // nop
}

pool_metrics::skill_series pool_metrics::for_skill(const std::string& skill,
                                                   bool process) {
  skill_series out;
  out.busy = &workers_->Add({{"skill", skill}, {"state", "busy"}});
  out.idle = &workers_->Add({{"skill", skill}, {"state", "idle"}});
  out.starting = &workers_->Add({{"skill", skill}, {"state", "starting"}});
  out.queue_depth = &queue_depth_->Add({{"skill", skill}});
  if (process)
    for (size_t i = 0; i < restart_reason_count; ++i)
      out.restarts[i] = &restarts_->Add(
        {{"skill", skill},
         {"reason", std::string{to_string(static_cast<restart_reason>(i))}}});
  out.queue_wait = &queue_wait_->Add({{"skill", skill}},
                                     metrics::latency_buckets());
  out.run_time = &run_time_->Add({{"skill", skill}},
                                 metrics::latency_buckets());
  return out;
}

} // namespace troupe::pool
