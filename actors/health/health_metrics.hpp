#pragma once

#include "actors/metrics/metrics_fwd.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace troupe::health {

/// The health metrics of one node: `troupe_health_score`,
/// `troupe_alerts{severity}` (active alerts) and
/// `troupe_restarts_total{supervisor,child}` (restarts by supervisors, and
/// of workers by their pool with child="worker"). Thread-safe.
class health_metrics {
 public:
  /// Registers the families in `registry`, which must outlive this object.
  explicit health_metrics(prometheus::Registry& registry);

  /// Sets the score and the active alerts per severity (INFO, WARNING,
  /// CRITICAL).
  void update(uint32_t score, const std::array<uint32_t, 3>& alerts);

  /// Counts one restart of `child` by `supervisor` (a path).
  void restart(const std::string& supervisor, const std::string& child);

  /// The counter for restarts of `child` by `supervisor`; resolve once and
  /// keep it on hot paths.
  prometheus::Counter& restarts(const std::string& supervisor,
                                const std::string& child);

 private:
  prometheus::Gauge* score_;
  std::array<prometheus::Gauge*, 3> alerts_{};
  prometheus::Family<prometheus::Counter>* restarts_;
};

using health_metrics_ptr = std::shared_ptr<health_metrics>;

} // namespace troupe::health
