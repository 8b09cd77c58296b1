#include "actors/metrics/job_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

namespace troupe::metrics {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> buckets{
    0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01,
    0.05,    0.1,     0.5,    1,      5,     10,    60};
  return buckets;
}

double seconds(caf::timespan x) {
  return std::chrono::duration<double>(x).count();
}

void job_metrics::skill_counters::record(job_status st,
                                         caf::timespan total) const {
  by_status[static_cast<size_t>(st)]->Increment();
  duration->Observe(seconds(total));
}

job_metrics::job_metrics(prometheus::Registry& registry)
    : jobs_(&prometheus::BuildCounter()
               .Name("troupe_jobs_total")
               .Help("Jobs that reached a terminal status, by skill and status")
               .Register(registry)),
      duration_(&prometheus::BuildHistogram()
                   .Name("troupe_job_duration_seconds")
                   .Help("Time from a job's arrival at the node to its result")
                   .Register(registry)) {
  // nop
}

job_metrics::skill_counters job_metrics::for_skill(const std::string& skill) {
  skill_counters out;
  for (size_t i = 0; i < job_status_count; ++i) {
    auto st = std::string{to_string(static_cast<job_status>(i))};
    out.by_status[i] = &jobs_->Add({{"skill", skill}, {"status", st}});
  }
  out.duration = &duration_->Add({{"skill", skill}}, latency_buckets());
  return out;
}

void job_metrics::record(const std::string& skill, job_status st,
                         caf::timespan total) {
  auto status = std::string{to_string(st)};
  jobs_->Add({{"skill", skill}, {"status", status}}).Increment();
  duration_->Add({{"skill", skill}}, latency_buckets()).Observe(seconds(total));
}

std::vector<job_count> job_metrics::counts() const {
  std::vector<job_count> out;
  for (auto& family : jobs_->Collect()) {
    for (auto& metric : family.metric) {
      if (metric.counter.value <= 0)
        continue;
      job_count c;
      bool has_status = false;
      for (auto& label : metric.label) {
        if (label.name == "skill")
          c.skill = label.value;
        else if (label.name == "status")
          if (auto st = parse_job_status(label.value)) {
            c.status = *st;
            has_status = true;
          }
      }
      if (has_status) {
        c.count = static_cast<uint64_t>(metric.counter.value);
        out.push_back(std::move(c));
      }
    }
  }
  return out;
}

std::vector<skill_latency> job_metrics::latencies() const {
  std::vector<skill_latency> out;
  for (auto& family : duration_->Collect()) {
    for (auto& metric : family.metric) {
      skill_latency x;
      for (auto& label : metric.label)
        if (label.name == "skill")
          x.skill = label.value;
      x.cumulative.reserve(metric.histogram.bucket.size());
      for (auto& b : metric.histogram.bucket)
        x.cumulative.push_back(b.cumulative_count);
      if (!x.cumulative.empty() && x.cumulative.back() > 0)
        out.push_back(std::move(x));
    }
  }
  return out;
}

} // namespace troupe::metrics
