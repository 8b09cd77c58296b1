#pragma once

#include "actors/http/json_api.hpp"
#include "actors/http/websocket.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct mg_connection;
struct mg_context;

namespace troupe::http {

/// Limits of the HTTP port.
struct server_limits {
  /// Requests served at once (civetweb gives each a thread; a keep-alive
  /// connection holds its thread while it waits for the next request).
  unsigned threads = 64;
  /// Largest request body read; a larger one gets 413.
  uint64_t max_body_bytes = 40 * 1024 * 1024;
  /// A request must arrive whole within this, and an idle keep-alive
  /// connection is closed after it.
  unsigned request_timeout_ms = 30'000;
};

/// The node's HTTP port, served by civetweb (a maintained embedded server,
/// already under prometheus-cpp's exposer): it parses HTTP and WebSocket
/// frames and hands each request to a handler, each WebSocket path to its
/// endpoint. It serves no files.
class http_server {
 public:
  using handler = std::function<response(const request&)>;

  /// Listens on host:port (0: a free port) and serves `h`; an error when
  /// the port cannot be bound.
  static caf::expected<std::unique_ptr<http_server>>
  start(const std::string& host, uint16_t port, server_limits limits,
        handler h);

  /// Stops: closes the port and waits for requests in progress.
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// Serves WebSockets on `path` with `endpoint` (before any request for
  /// that path comes, or those go to the handler).
  void serve_websocket(const std::string& path,
                       std::shared_ptr<websocket_endpoint> endpoint);

  /// Stops now (as the destructor does); idempotent.
  void stop();

 private:
  http_server(server_limits limits, handler h);

  static int on_request(struct mg_connection* conn, void* self);
  static int on_ws_connect(const struct mg_connection* conn, void* ep);
  static void on_ws_ready(struct mg_connection* conn, void* ep);
  static int on_ws_data(struct mg_connection* conn, int bits, char* data,
                        size_t size, void* ep);
  static void on_ws_close(const struct mg_connection* conn, void* ep);

  server_limits limits_;
  handler handler_;
  std::vector<std::shared_ptr<websocket_endpoint>> endpoints_;
  mg_context* ctx_ = nullptr;
  uint16_t port_ = 0;
};

} // namespace troupe::http
