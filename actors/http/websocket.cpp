#include "actors/http/websocket.hpp"

#include <civetweb.h>

#include <string>

namespace troupe::http {

bool websocket::send_text(std::string_view text) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (conn_ == nullptr)
    return false;
  // civetweb serializes this write with its own (pongs) on the connection.
  auto n = mg_websocket_write(conn_, MG_WEBSOCKET_OPCODE_TEXT, text.data(),
                              text.size());
  return n > 0;
}

void websocket::close(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  // A control frame carries at most 125 bytes.
  payload.append(reason.substr(0, 123));
  std::lock_guard<std::mutex> guard{mtx_};
  if (conn_ == nullptr)
    return;
  mg_websocket_write(conn_, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE,
                     payload.data(), payload.size());
}

void websocket::attach(mg_connection* conn) {
  std::lock_guard<std::mutex> guard{mtx_};
  conn_ = conn;
}

void websocket::detach() {
  // Waits for a write in progress: the connection is valid until this
  // returns, and no write starts after.
  std::lock_guard<std::mutex> guard{mtx_};
  conn_ = nullptr;
}

} // namespace troupe::http
