#pragma once

#include "actors/rpc/call_queue.hpp"

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace troupe::door {

namespace refl = grpc::reflection::v1alpha;

/// The answer to one server-reflection request, from the schemas compiled
/// into the node: `services` are the services listed; files come with the
/// files they import; an unknown name is NOT_FOUND in an error response.
void answer_reflection(const refl::ServerReflectionRequest& in,
                       const std::vector<std::string>& services,
                       refl::ServerReflectionResponse& out);

/// gRPC server reflection (`grpc.reflection.v1alpha`) on the door's queue,
/// so that generic gRPC tools can call the door without troupe's `.proto`.
class reflection_service {
 public:
  /// Lists `services` (full names) as the services served.
  explicit reflection_service(std::vector<std::string> services);

  /// What the server builder registers.
  grpc::Service* service() {
    return &service_;
  }

  /// Serves every call on `queue` while the server runs.
  void listen(rpc::call_queue& queue);

 private:
  class session;

  refl::ServerReflection::AsyncService service_;
  std::vector<std::string> services_;
  rpc::call_queue* queue_ = nullptr;
};

} // namespace troupe::door
