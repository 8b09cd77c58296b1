#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <string>

namespace troupe::rpc {

/// A gRPC status code's name as gRPC spells it ("RESOURCE_EXHAUSTED"),
/// for messages and JSON errors; "status N" for a code gRPC does not have.
std::string status_name(grpc::StatusCode code);

} // namespace troupe::rpc
