#pragma once

#include "actors/rpc/queued_call.hpp"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"

namespace troupe::door {

/// The standard gRPC health service (`grpc.health.v1.Health`) of the door,
/// on its queue: SERVING, or NOT_SERVING while the node drains, for the
/// whole server ("") and for `troupe.v1.Troupe`. `Check` answers the status
/// now (NOT_FOUND for another service); `Watch` sends it, then every
/// change (SERVICE_UNKNOWN for another service, and the call stays open).
class health_service {
 public:
  using serving_status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  health_service();

  /// What the server builder registers.
  grpc::Service* service() {
    return &service_;
  }

  /// Serves every call on `queue` while the server runs.
  void listen(rpc::call_queue& queue);

  /// Changes what the service answers; watches hear of it.
  void set_serving(bool serving);

 private:
  class watch;

  /// The status of `name` now; lock held.
  serving_status status_of(const std::string& name) const;

  grpc::health::v1::Health::AsyncService service_;
  rpc::call_queue* queue_ = nullptr;
  std::mutex mtx_;
  bool serving_ = true;
  std::vector<std::weak_ptr<watch>> watches_;
};

} // namespace troupe::door
