#include "actors/door/door_server.hpp"

#include "actors/door/client_service.hpp"
#include "actors/door/health_service.hpp"
#include "actors/door/reflection_service.hpp"
#include "actors/log/logging.hpp"
#include "actors/rpc/call_queue.hpp"
#include "actors/rpc/connection_gate.hpp"
#include "actors/rpc/server_limits.hpp"
#include "messages/errors.hpp"

#include <grpcpp/grpcpp.h>

namespace troupe::door {

caf::expected<std::unique_ptr<door_server>>
door_server::start(door_context door, const std::string& host, uint16_t port) {
  auto lim = door.limits;
  std::unique_ptr<door_server> out{new door_server};
  out->service_ = std::make_unique<client_service>(std::move(door));
  out->health_ = std::make_unique<health_service>();
  out->reflection_ = std::make_unique<reflection_service>(
    std::vector<std::string>{"troupe.v1.Troupe", "grpc.health.v1.Health",
                             "grpc.reflection.v1alpha.ServerReflection"});
  grpc::ServerBuilder builder;
  auto gate = rpc::connection_gate::listen(host, port, lim.max_connections,
                                           lim.reserved_fds, "door");
  if (!gate)
    return gate.error();
  auto acceptor = builder.experimental().AddExternalConnectionAcceptor(
    grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
    rpc::server_credentials(out->service_->tls()));
  // Every service is on the door's queue: with no callback or sync
  // service, gRPC starts no threads of its own to poll the connections.
  builder.RegisterService(out->service_->service());
  builder.RegisterService(out->health_->service());
  builder.RegisterService(out->reflection_->service());
  rpc::apply_limits(builder, lim, "troupe-door");
  auto cq = builder.AddCompletionQueue();
  out->server_ = builder.BuildAndStart();
  if (!out->server_)
    return caf::make_error(error_code::port_in_use,
                           "cannot start the gRPC server on " + host + ":"
                             + std::to_string(port));
  out->queue_ = std::make_unique<rpc::call_queue>(std::move(cq), "troupe.door");
  out->service_->listen(*out->queue_);
  out->health_->listen(*out->queue_);
  out->reflection_->listen(*out->queue_);
  out->queue_->start();
  out->port_ = (*gate)->port();
  out->gate_ = std::move(*gate);
  out->gate_->start(std::move(acceptor));
  out->set_serving(true);
  return out;
}

door_server::~door_server() {
  stop(std::chrono::milliseconds{0});
}

void door_server::set_serving(bool serving) {
  health_->set_serving(serving);
}

void door_server::stop(std::chrono::milliseconds grace) {
  if (gate_)
    gate_->stop();
  rpc::shut_down(server_, queue_, grace);
}

} // namespace troupe::door
