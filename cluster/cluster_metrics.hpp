#pragma once

#include "actors/metrics/metrics_fwd.hpp"
#include "messages/member.hpp"

#include <caf/timespan.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::cluster {

/// The cluster metrics of one node: `troupe_cluster_members{status}`,
/// `troupe_cluster_heartbeat_rtt_seconds` and
/// `troupe_remote_jobs_total{peer,direction}` (direction `out` for jobs this
/// node placed on a peer, `in` for jobs a peer placed here). Thread-safe.
class cluster_metrics {
 public:
  /// Registers the families in `registry`, which must outlive this object.
  explicit cluster_metrics(prometheus::Registry& registry);

  /// Sets the member gauges from a view.
  void members(const std::vector<member>& ms);

  /// Records one heartbeat round trip.
  void heartbeat_rtt(caf::timespan x);

  /// The counter of jobs exchanged with `peer` in `direction` ("in" or
  /// "out"); resolve once per peer and keep it.
  prometheus::Counter& remote_jobs(const std::string& peer,
                                   const std::string& direction);

 private:
  prometheus::Family<prometheus::Gauge>* members_;
  prometheus::Family<prometheus::Histogram>* rtt_family_;
  prometheus::Histogram* rtt_;
  prometheus::Family<prometheus::Counter>* remote_;
};

using cluster_metrics_ptr = std::shared_ptr<cluster_metrics>;

} // namespace troupe::cluster
