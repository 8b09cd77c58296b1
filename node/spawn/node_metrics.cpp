#include "node/spawn/node_metrics.hpp"

#include "messages/errors.hpp"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <exception>

namespace troupe::node {

node_metrics::node_metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      jobs_(std::make_shared<metrics::job_metrics>(*registry_)),
      pools_(std::make_shared<pool::pool_metrics>(*registry_)),
      batches_(std::make_shared<link::batch_metrics>(*registry_)),
      cluster_(std::make_shared<cluster::cluster_metrics>(*registry_)),
      cache_(std::make_shared<cache::cache_metrics>(*registry_)),
      health_(std::make_shared<health::health_metrics>(*registry_)),
      breakers_(std::make_shared<breaker::breaker_metrics>(*registry_)),
      internal_faults_(&prometheus::BuildCounter()
                          .Name("troupe_internal_faults_total")
                          .Help("Jobs answered by a backstop because the part "
                                "of the node that held them never did")
                          .Register(*registry_)) {
  // nop
}

prometheus::Counter& node_metrics::internal_faults(const std::string& where) {
  return internal_faults_->Add({{"where", where}});
}

node_metrics::~node_metrics() = default;

caf::error node_metrics::expose(const std::string& host, uint16_t port) {
  // The exposer throws when it cannot bind; keep exceptions at this edge.
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(host + ":"
                                                     + std::to_string(port));
  } catch (const std::exception& e) {
    return caf::make_error(error_code::port_in_use,
                           "cannot serve metrics on " + host + ":"
                             + std::to_string(port) + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
  return caf::none;
}

} // namespace troupe::node
