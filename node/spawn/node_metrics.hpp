#pragma once

#include "actors/breaker/breaker_metrics.hpp"
#include "actors/cache/cache_metrics.hpp"
#include "actors/health/health_metrics.hpp"
#include "actors/link/batch_metrics.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "actors/pool/pool_metrics.hpp"
#include "cluster/cluster_metrics.hpp"

#include <caf/error.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace prometheus {
class Collectable;
class Exposer;
class Registry;
} // namespace prometheus

namespace troupe::node {

/// A node's prometheus registry, the metric families registered in it (jobs,
/// pools, batches, cluster, cache, `troupe_build_info`), and the optional
/// pull exposer, which also serves the process's `process_*` metrics. Owned by
/// the node; actors get the families they update at spawn.
class node_metrics {
 public:
  node_metrics();
  ~node_metrics();

  /// Serves /metrics on host:port; fails with port_in_use when it cannot bind.
  [[nodiscard]] caf::error expose(const std::string& host, uint16_t port);

  prometheus::Registry& registry() {
    return *registry_;
  }

  const metrics::job_metrics_ptr& jobs() const {
    return jobs_;
  }

  const pool::pool_metrics_ptr& pools() const {
    return pools_;
  }

  const link::batch_metrics_ptr& batches() const {
    return batches_;
  }

  const cluster::cluster_metrics_ptr& cluster() const {
    return cluster_;
  }

  const cache::cache_metrics_ptr& cache() const {
    return cache_;
  }

  const health::health_metrics_ptr& health() const {
    return health_;
  }

  const breaker::breaker_metrics_ptr& breakers() const {
    return breakers_;
  }

  /// `troupe_internal_faults_total{where}`: jobs that got no result from
  /// the part of the node named `where` (e.g. "gateway": a job answered by
  /// the gateway's own deadline because nothing inside answered it).
  prometheus::Counter& internal_faults(const std::string& where);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  metrics::job_metrics_ptr jobs_;
  pool::pool_metrics_ptr pools_;
  link::batch_metrics_ptr batches_;
  cluster::cluster_metrics_ptr cluster_;
  cache::cache_metrics_ptr cache_;
  health::health_metrics_ptr health_;
  breaker::breaker_metrics_ptr breakers_;
  prometheus::Family<prometheus::Counter>* internal_faults_;
  /// `process_*` of this process, served next to the registry.
  std::shared_ptr<prometheus::Collectable> process_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

} // namespace troupe::node
