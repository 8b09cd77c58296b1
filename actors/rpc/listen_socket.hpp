#pragma once

#include <caf/expected.hpp>

#include <cstdint>
#include <string>

namespace troupe::rpc {

/// A listening TCP socket of troupe's own (the gRPC ports' gate, HTTPS).
struct listen_socket {
  int fd = -1;
  /// The port bound (the one picked when asked for 0).
  uint16_t port = 0;
};

/// Binds host:port (0: a free port) with SO_REUSEADDR and listens;
/// `error_code::port_in_use` saying why ("cannot listen on HOST:PORT: the
/// port is in use") when it cannot.
[[nodiscard]] caf::expected<listen_socket>
listen_on(const std::string& host, uint16_t port, int backlog);

} // namespace troupe::rpc
