#pragma once

#include "actors/door/door_context.hpp"

#include <caf/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace troupe::rpc {
class grpc_host;
} // namespace troupe::rpc

namespace troupe::door {

class client_service;
class health_service;
class reflection_service;
struct door_services;

/// A node's gRPC door on HOST:PORT: the `troupe.v1.Troupe` service, the
/// standard health service (`grpc.health.v1`) and server reflection, on a
/// port of the node's gRPC server (`rpc::grpc_host`), which holds every
/// connection of the port to `door_limits`.
class door_server {
 public:
  /// Listens on host:port (0: a free port) as a port of `server`, which
  /// has not started yet, and registers the door's services there; a port
  /// in use or an address that cannot be bound gives
  /// `error_code::port_in_use`. Clients are served once `serve` runs.
  [[nodiscard]] static caf::expected<std::unique_ptr<door_server>>
  prepare(rpc::grpc_host& server, const std::string& host, uint16_t port,
          const rpc::tls_material& tls, const door_limits& limits);

  ~door_server();

  door_server(const door_server&) = delete;
  door_server& operator=(const door_server&) = delete;

  /// Serves clients with `door`, once the server started.
  void serve(door_context door);

  uint16_t port() const;

  /// What the health service answers: SERVING, or NOT_SERVING while the
  /// node drains.
  void set_serving(bool serving);

  /// Takes no more connections; the calls in progress end when the
  /// server stops.
  void close();

 private:
  door_server() = default;

  rpc::grpc_host* server_ = nullptr;
  size_t port_index_ = 0;
  std::unique_ptr<door_services> registered_;
  std::unique_ptr<client_service> service_;
  std::unique_ptr<health_service> health_;
  std::unique_ptr<reflection_service> reflection_;
};

} // namespace troupe::door
