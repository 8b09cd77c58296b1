#pragma once

#include "actors/metrics/job_metrics.hpp"
#include "actors/metrics/recent_jobs.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "troupe/v1/troupe.pb.h"

namespace troupe::http {

/// What the dashboard reads of its node at one moment.
struct dashboard_sample {
  troupe::v1::NodeStatus status;
  std::vector<metrics::skill_latency> latencies;
  std::vector<metrics::recent_job> recent;
  std::chrono::steady_clock::time_point at;
  int64_t unix_ms = 0;
};

/// Turns samples of a node into the dashboard's state (docs/api.md,
/// "Dashboard"): a JSON document of members, alerts, skills, breakers, the
/// cache and recent jobs. Nothing in it moves with the clock alone (no
/// uptime, no ages: the page computes those from start times), so the states
/// of an idle cluster are equal and the stream sends nothing. Rates and
/// latency quantiles are over the samples of the last `window`.
class dashboard_view {
 public:
  explicit dashboard_view(std::chrono::milliseconds window
                          = std::chrono::seconds{10});

  nlohmann::json update(const dashboard_sample& s);

 private:
  struct point {
    std::chrono::steady_clock::time_point at;
    std::map<std::string, std::vector<uint64_t>> histograms;
  };

  std::chrono::milliseconds window_;
  std::deque<point> history_;
  /// When each alert was first seen active (rule/subject -> Unix ms).
  std::map<std::string, int64_t> alert_since_;
  int64_t started_unix_ms_ = 0;
  uint64_t last_uptime_ms_ = 0;
};

/// The q-quantile (0..1), in seconds, of the jobs counted between two
/// cumulative histograms over `bounds` (upper bounds in seconds; the counts
/// have one more entry, +Inf), interpolated inside its bucket as
/// Prometheus's histogram_quantile does; nothing when no job is between
/// them.
std::optional<double> latency_quantile(const std::vector<double>& bounds,
                                       const std::vector<uint64_t>& before,
                                       const std::vector<uint64_t>& after,
                                       double q);

/// `x` with `digits` significant digits, so that noise below them does not
/// change the state.
double significant(double x, int digits);

} // namespace troupe::http
