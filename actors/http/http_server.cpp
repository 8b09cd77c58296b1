#include "actors/http/http_server.hpp"

#include "actors/http/gzip.hpp"
#include "messages/errors.hpp"

#include <civetweb.h>

#include <cstring>
#include <mutex>
#include <vector>

namespace troupe::http {

namespace {

// civetweb's library state is shared by every server in the process (the
// metrics exposer has one too); it counts its users.
struct library {
  library() {
    mg_init_library(0);
  }
  ~library() {
    mg_exit_library();
  }
};

// Answers `res`, gzipped when the client accepts it (`gzip_ok`) and the
// body is large enough to gain.
void send(struct mg_connection* conn, const response& res, bool gzip_ok) {
  std::string zipped;
  if (gzip_ok && res.body.size() >= gzip_min_bytes)
    zipped = gzip(res.body);
  auto compressed = !zipped.empty() && zipped.size() < res.body.size();
  auto& body = compressed ? zipped : res.body;
  mg_response_header_start(conn, res.code);
  mg_response_header_add(conn, "Content-Type", res.content_type.c_str(), -1);
  mg_response_header_add(conn, "Content-Length",
                         std::to_string(body.size()).c_str(), -1);
  auto has = [&res](const char* name) {
    for (auto& kv : res.headers)
      if (kv.first == name)
        return true;
    return false;
  };
  if (!has("Cache-Control"))
    mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_add(conn, "Vary", "Accept-Encoding", -1);
  if (compressed)
    mg_response_header_add(conn, "Content-Encoding", "gzip", -1);
  for (auto& [name, value] : res.headers)
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  mg_response_header_send(conn);
  if (!body.empty())
    mg_write(conn, body.data(), body.size());
}

// The request line and the headers the handlers read.
request read_head(const struct mg_connection* conn) {
  auto* info = mg_get_request_info(conn);
  request req;
  req.method = info->request_method != nullptr ? info->request_method : "";
  req.path = info->local_uri != nullptr ? info->local_uri : "";
  req.query = info->query_string != nullptr ? info->query_string : "";
  auto header = [conn](const char* name, std::string& out) {
    if (auto* value = mg_get_header(conn, name))
      out = value;
  };
  header("Authorization", req.authorization);
  header("Cookie", req.cookie);
  header("Origin", req.origin);
  header("Host", req.host);
  return req;
}

// The shared_ptr a WebSocket connection's user data points to.
using ws_holder = std::shared_ptr<websocket>;

} // namespace

http_server::http_server(server_limits limits, handler h)
    : limits_(limits), handler_(std::move(h)) {
  // nop
}

caf::expected<std::unique_ptr<http_server>>
http_server::start(const std::string& host, uint16_t port, server_limits limits,
                   handler h) {
  static library lib;
  std::unique_ptr<http_server> out{new http_server(limits, std::move(h))};
  auto bracketed = host.find(':') != std::string::npos ? "[" + host + "]"
                                                       : host;
  auto listen = bracketed + ":" + std::to_string(port);
  auto threads = std::to_string(limits.threads);
  auto timeout = std::to_string(limits.request_timeout_ms);
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads",
                           threads.c_str(), "request_timeout_ms",
                           timeout.c_str(), "keep_alive_timeout_ms",
                           timeout.c_str(), "enable_keep_alive", "yes",
                           // Headers and body go out in two writes: without
                           // this, Nagle's algorithm holds the body for the
                           // client's delayed ACK (40 ms) on keep-alive.
                           "tcp_nodelay", "1", "decode_url", "yes", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof(callbacks));
  // civetweb logs to stderr unless told otherwise: troupe's log has what
  // matters (the bind error comes back below).
  callbacks.log_message = [](const struct mg_connection*, const char*) {
    return 1;
  };
  mg_init_data init;
  std::memset(&init, 0, sizeof(init));
  init.callbacks = &callbacks;
  init.user_data = out.get();
  init.configuration_options = options;
  char error_text[256] = {0};
  mg_error_data error;
  std::memset(&error, 0, sizeof(error));
  error.text = error_text;
  error.text_buffer_size = sizeof(error_text);
  out->ctx_ = mg_start2(&init, &error);
  if (out->ctx_ == nullptr)
    return caf::make_error(
      error_code::port_in_use,
      "cannot serve HTTP on " + listen + ": "
        + (error_text[0] != 0 ? error_text : "civetweb did not start"));
  mg_set_request_handler(out->ctx_, "/", &http_server::on_request, out.get());
  mg_server_port ports[1];
  std::memset(ports, 0, sizeof(ports));
  if (mg_get_server_ports(out->ctx_, 1, ports) > 0)
    out->port_ = static_cast<uint16_t>(ports[0].port);
  return out;
}

http_server::~http_server() {
  stop();
}

void http_server::stop() {
  if (ctx_ != nullptr) {
    mg_stop(ctx_);
    ctx_ = nullptr;
  }
}

void http_server::serve_websocket(
  const std::string& path, std::shared_ptr<websocket_endpoint> endpoint) {
  if (ctx_ == nullptr)
    return;
  mg_set_websocket_handler(ctx_, path.c_str(), &http_server::on_ws_connect,
                           &http_server::on_ws_ready, &http_server::on_ws_data,
                           &http_server::on_ws_close, endpoint.get());
  endpoints_.push_back(std::move(endpoint));
}

int http_server::on_ws_connect(const struct mg_connection* conn, void* ep) {
  auto* endpoint = static_cast<websocket_endpoint*>(ep);
  auto req = read_head(conn);
  if (auto refusal = endpoint->admit(req)) {
    // civetweb writes nothing when the upgrade is refused, and its response
    // functions refuse to start one at this stage: the status line and
    // headers go out as they are, so the client gets the reason.
    auto* c = const_cast<struct mg_connection*>(conn);
    mg_printf(c,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: "
              "%zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
              refusal->code, mg_get_response_code_text(c, refusal->code),
              refusal->content_type.c_str(), refusal->body.size());
    mg_write(c, refusal->body.data(), refusal->body.size());
    return 1;
  }
  mg_set_user_connection_data(conn,
                              new ws_holder(std::make_shared<websocket>(req)));
  return 0;
}

void http_server::on_ws_ready(struct mg_connection* conn, void* ep) {
  auto* holder = static_cast<ws_holder*>(mg_get_user_connection_data(conn));
  if (holder == nullptr)
    return;
  (*holder)->attach(conn);
  static_cast<websocket_endpoint*>(ep)->opened(*holder);
}

int http_server::on_ws_data(struct mg_connection*, int bits, char*, size_t,
                            void*) {
  // The dashboard's clients have nothing to say; a close frame ends the
  // connection (civetweb answers pings itself).
  return (bits & 0x0f) == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE ? 0 : 1;
}

void http_server::on_ws_close(const struct mg_connection* conn, void* ep) {
  auto* holder = static_cast<ws_holder*>(mg_get_user_connection_data(conn));
  if (holder == nullptr)
    return;
  mg_set_user_connection_data(conn, nullptr);
  (*holder)->detach();
  static_cast<websocket_endpoint*>(ep)->closed(*holder);
  delete holder;
}

int http_server::on_request(struct mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<http_server*>(self_ptr);
  auto* info = mg_get_request_info(conn);
  auto req = read_head(conn);
  auto* encodings = mg_get_header(conn, "Accept-Encoding");
  auto gzip_ok = encodings != nullptr && accepts_gzip(encodings);
  if (info->content_length > 0
      && static_cast<uint64_t>(info->content_length)
           > self->limits_.max_body_bytes) {
    send(conn,
         error_response(413, "PAYLOAD_TOO_LARGE",
                        "the body has " + std::to_string(info->content_length)
                          + " bytes; at most "
                          + std::to_string(self->limits_.max_body_bytes)),
         gzip_ok);
    return 413;
  }
  // Read what comes (a chunked body has no length), up to the limit.
  char buf[16 * 1024];
  for (;;) {
    auto n = mg_read(conn, buf, sizeof(buf));
    if (n <= 0)
      break;
    if (req.body.size() + static_cast<size_t>(n)
        > self->limits_.max_body_bytes) {
      send(conn,
           error_response(413, "PAYLOAD_TOO_LARGE",
                          "the body is larger than "
                            + std::to_string(self->limits_.max_body_bytes)
                            + " bytes"),
           gzip_ok);
      return 413;
    }
    req.body.append(buf, static_cast<size_t>(n));
  }
  response res;
  try {
    res = self->handler_(req);
  } catch (const std::exception& e) {
    res = error_response(500, "INTERNAL", e.what());
  }
  send(conn, res, gzip_ok);
  return res.code;
}

} // namespace troupe::http
