#pragma once

#include "actors/rpc/tls_material.hpp"

#include <caf/expected.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

struct ssl_ctx_st;

namespace troupe::http {

/// Limits of the HTTPS port.
struct tls_front_limits {
  /// Connections served at once; more are closed when they come.
  size_t max_connections = 256;
  /// A TLS handshake must end within this.
  std::chrono::milliseconds handshake_timeout{10'000};
  /// A connection that moves no byte either way for this long is closed
  /// (longer than the dashboard's keepalive and the HTTP server's own
  /// request timeout).
  std::chrono::milliseconds idle_timeout{60'000};
};

/// HTTPS for the HTTP port. Debian 12's civetweb cannot do TLS (it looks
/// for OpenSSL 1.1 symbols at run time), so TLS ends here, with OpenSSL:
/// each connection's handshake (with the client CA, when one is given,
/// asking for a client certificate as the gRPC door does) and then its
/// bytes, decrypted, to the HTTP server on a loopback port, and back. It
/// reads no HTTP. One thread per connection, up to a cap.
class tls_front {
 public:
  /// Listens on host:port (0: a free port) and forwards to
  /// 127.0.0.1:backend_port; an error when the port cannot be bound or the
  /// certificate and key do not make a TLS context.
  static caf::expected<std::unique_ptr<tls_front>>
  start(const std::string& host, uint16_t port, const rpc::tls_material& tls,
        uint16_t backend_port, tls_front_limits limits = {});

  /// Stops: closes the port and every connection, and waits for their
  /// threads.
  ~tls_front();

  tls_front(const tls_front&) = delete;
  tls_front& operator=(const tls_front&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// Stops now (as the destructor does); idempotent.
  void stop();

 private:
  tls_front(tls_front_limits limits, uint16_t backend_port);

  void accept_loop();
  void serve(int fd);

  tls_front_limits limits_;
  uint16_t backend_port_;
  uint16_t port_ = 0;
  ssl_ctx_st* ctx_ = nullptr;
  int listener_ = -1;
  /// Written once at stop: every thread polls its read end.
  int stop_pipe_[2] = {-1, -1};
  std::mutex mtx_;
  std::condition_variable cv_;
  /// Threads running (the acceptor and one per connection).
  size_t threads_ = 0;
  size_t connections_ = 0;
  bool stopped_ = false;
};

} // namespace troupe::http
