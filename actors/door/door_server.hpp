#pragma once

#include "actors/door/door_context.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace grpc {
class Server;
} // namespace grpc

namespace troupe::rpc {
class call_queue;
class connection_gate;
} // namespace troupe::rpc

namespace troupe::door {

class client_service;
class health_service;
class reflection_service;

/// A node's gRPC door on HOST:PORT: the `troupe.v1.Troupe` service, the
/// standard health service (`grpc.health.v1`) and server reflection, with
/// the limits of `door_limits` set on every connection, all served by one
/// completion queue and its thread (`rpc::call_queue`).
class door_server {
 public:
  /// Listens on host:port (0: a free port); a port in use or an address
  /// that cannot be bound gives `error_code::port_in_use`.
  [[nodiscard]] static caf::expected<std::unique_ptr<door_server>>
  start(door_context door, const std::string& host, uint16_t port);

  ~door_server();

  door_server(const door_server&) = delete;
  door_server& operator=(const door_server&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// What the health service answers: SERVING, or NOT_SERVING while the
  /// node drains.
  void set_serving(bool serving);

  /// Stops taking calls and ends those in progress, waiting at most
  /// `grace` for them to finish on their own.
  void stop(std::chrono::milliseconds grace);

 private:
  door_server() = default;

  std::unique_ptr<client_service> service_;
  std::unique_ptr<health_service> health_;
  std::unique_ptr<reflection_service> reflection_;
  std::unique_ptr<rpc::connection_gate> gate_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<rpc::call_queue> queue_;
  uint16_t port_ = 0;
};

} // namespace troupe::door
