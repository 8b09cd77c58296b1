#pragma once

#include "actors/http/json_api.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

struct mg_connection;

namespace troupe::http {

/// One WebSocket connection of the HTTP server. The server's thread for the
/// connection reads it; anyone holding it may write from any thread until
/// it closes, after which writes do nothing.
class websocket {
 public:
  explicit websocket(request upgrade) : upgrade_(std::move(upgrade)) {
    // nop
  }

  /// Sends one text message; false when the connection is closed or the
  /// write failed (it then closes).
  bool send_text(std::string_view text);

  /// Sends a close frame with `code` (RFC 6455, e.g. 4401) and `reason`;
  /// the connection ends when the client answers it.
  void close(uint16_t code, std::string_view reason);

  /// The HTTP request that opened it (its cookie, origin, path).
  const request& upgrade() const {
    return upgrade_;
  }

 private:
  friend class http_server;

  /// The server's side: the connection to write to, then none once it
  /// closed (called with the connection still valid).
  void attach(mg_connection* conn);
  void detach();

  std::mutex mtx_;
  mg_connection* conn_ = nullptr;
  request upgrade_;
};

/// What serves WebSockets on a path of the HTTP server.
class websocket_endpoint {
 public:
  virtual ~websocket_endpoint() = default;

  /// Whether to accept an upgrade request: nothing accepts it, a response
  /// refuses it with that answer.
  virtual std::optional<response> admit(const request& req) = 0;

  /// The connection is open; the endpoint may keep `ws`.
  virtual void opened(const std::shared_ptr<websocket>& ws) = 0;

  /// The connection closed; `ws` sends nothing any more.
  virtual void closed(const std::shared_ptr<websocket>& ws) = 0;
};

} // namespace troupe::http
