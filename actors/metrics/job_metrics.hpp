#pragma once

#include "actors/metrics/metrics_fwd.hpp"
#include "actors/metrics/recent_jobs.hpp"
#include "messages/job_status.hpp"
#include "messages/node_status.hpp"

#include <caf/timespan.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace troupe::metrics {

/// Bucket boundaries of troupe's latency histograms, in seconds (10 µs to
/// 60 s), shared so that they can be compared.
const std::vector<double>& latency_buckets();

/// The duration histogram of one skill: cumulative counts per bucket of
/// `latency_buckets()` (the last one is +Inf, so it is the total).
struct skill_latency {
  std::string skill;
  std::vector<uint64_t> cumulative;
};

/// `x` in seconds, as Prometheus wants durations.
double seconds(caf::timespan x);

/// The job metrics of one node: `troupe_jobs_total{skill,status}` and
/// `troupe_job_duration_seconds{skill}`. Every actor that produces a terminal
/// result records it here, so these counters are also the source of the job
/// counts in `troupe status`. Thread-safe.
class job_metrics {
 public:
  /// Counters of one skill, resolved once so the hot path does no label
  /// lookups.
  struct skill_counters {
    std::array<prometheus::Counter*, job_status_count> by_status{};
    prometheus::Histogram* duration = nullptr;

    void record(job_status st, caf::timespan total) const;
  };

  /// Registers the families in `registry`, which must outlive this object.
  explicit job_metrics(prometheus::Registry& registry);

  /// The counters for `skill`.
  skill_counters for_skill(const std::string& skill);

  /// Counts one result (slow path: resolves labels on each call).
  void record(const std::string& skill, job_status st, caf::timespan total);

  /// Nonzero counts per skill and status.
  std::vector<job_count> counts() const;

  /// The duration histogram of each skill that recorded a job.
  std::vector<skill_latency> latencies() const;

  /// The last jobs whose results left for their clients.
  recent_jobs& recent() {
    return recent_;
  }

 private:
  prometheus::Family<prometheus::Counter>* jobs_;
  prometheus::Family<prometheus::Histogram>* duration_;
  recent_jobs recent_;
};

using job_metrics_ptr = std::shared_ptr<job_metrics>;

} // namespace troupe::metrics
