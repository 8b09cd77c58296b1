#include "cluster/cluster_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>

namespace troupe::cluster {

cluster_metrics::cluster_metrics(prometheus::Registry& registry)
    : members_(&prometheus::BuildGauge()
                  .Name("troupe_cluster_members")
                  .Help("Members of the cluster this node sees, by status")
                  .Register(registry)),
      rtt_family_(&prometheus::BuildHistogram()
                     .Name("troupe_cluster_heartbeat_rtt_seconds")
                     .Help("Round trip of a heartbeat (view exchange) with a "
                           "peer")
                     .Register(registry)),
      rtt_(&rtt_family_->Add(
        {}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005,
                                                    0.001, 0.0025, 0.005, 0.01,
                                                    0.025, 0.1, 0.5, 2})),
      remote_(&prometheus::BuildCounter()
                 .Name("troupe_remote_jobs_total")
                 .Help("Jobs placed on a peer (out) or by a peer (in)")
                 .Register(registry)) {
  // nop
}

void cluster_metrics::members(const std::vector<member>& ms) {
  std::array<double, 4> counts{};
  for (auto& m : ms)
    counts[static_cast<size_t>(m.status)] += 1;
  for (size_t i = 0; i < counts.size(); ++i)
    members_
      ->Add({{"status", std::string{to_string(static_cast<member_status>(i))}}})
      .Set(counts[i]);
}

void cluster_metrics::heartbeat_rtt(caf::timespan x) {
  rtt_->Observe(std::chrono::duration<double>(x).count());
}

prometheus::Counter&
cluster_metrics::remote_jobs(const std::string& peer,
                             const std::string& direction) {
  return remote_->Add({{"peer", peer}, {"direction", direction}});
}

} // namespace troupe::cluster
