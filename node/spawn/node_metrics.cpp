#include "node/spawn/node_metrics.hpp"

#include "actors/metrics/process_metrics.hpp"
#include "config/version.hpp"
#include "messages/errors.hpp"

#include <caf/config.hpp>

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <grpcpp/grpcpp.h>

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
                          .Register(*registry_)),
      process_(metrics::make_process_collector()) {
  // The conventional info metric: 1, with what was built as labels, so
  // that a dashboard can tell which versions a cluster runs.
  prometheus::BuildGauge()
    .Name("troupe_build_info")
    .Help("Always 1; the labels say which troupe and which libraries run")
    .Register(*registry_)
    .Add({{"version", config::version},
          {"grpc", grpc::Version()},
          {"caf", std::to_string(CAF_VERSION / 10000) + "."
                    + std::to_string(CAF_VERSION / 100 % 100) + "."
                    + std::to_string(CAF_VERSION % 100)}})
    .Set(1);
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
  exposer_->RegisterCollectable(process_);
  return caf::none;
}

} // namespace troupe::node
