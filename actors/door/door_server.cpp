#include "actors/door/door_server.hpp"

#include "actors/door/client_service.hpp"
#include "actors/door/health_service.hpp"
#include "actors/door/reflection_service.hpp"
#include "actors/rpc/grpc_host.hpp"

#include <grpcpp/grpcpp.h>

namespace troupe::door {

/// The door's services as the server registers them before it starts,
/// while the node that serves their calls is not up yet.
struct door_services {
  v1::Troupe::AsyncService api;
};

caf::expected<std::unique_ptr<door_server>>
door_server::prepare(rpc::grpc_host& server, const std::string& host,
                     uint16_t port, const rpc::tls_material& tls,
                     const door_limits& limits) {
  std::unique_ptr<door_server> out{new door_server};
  auto index = server.add_port(host, port, limits.max_connections,
                               limits.reserved_fds, "door",
                               rpc::server_credentials(tls));
  if (!index)
    return index.error();
  out->server_ = &server;
  out->port_index_ = *index;
  out->registered_ = std::make_unique<door_services>();
  out->health_ = std::make_unique<health_service>();
  out->reflection_ = std::make_unique<reflection_service>(
    std::vector<std::string>{"troupe.v1.Troupe", "grpc.health.v1.Health",
                             "grpc.reflection.v1alpha.ServerReflection"});
  server.add_service(&out->registered_->api);
  server.add_service(out->health_->service());
  server.add_service(out->reflection_->service());
  return out;
}

// The server stopped before (it refers to the services).
door_server::~door_server() = default;

void door_server::serve(door_context door) {
  auto& queue = server_->queue();
  service_ = std::make_unique<client_service>(std::move(door),
                                              registered_->api);
  service_->listen(queue);
  health_->listen(queue);
  reflection_->listen(queue);
  set_serving(true);
  server_->open_port(port_index_);
}

uint16_t door_server::port() const {
  return server_->port(port_index_);
}

void door_server::set_serving(bool serving) {
  health_->set_serving(serving);
}

void door_server::close() {
  if (server_)
    server_->close_port(port_index_);
}

} // namespace troupe::door
