#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::http {

/// One HTTP request as the JSON API reads it.
struct request {
  std::string method;
  /// The path, percent-decoded, without the query.
  std::string path;
  /// The raw query string (after '?').
  std::string query;
  /// The Authorization header's value, if any.
  std::string authorization;
  /// The Cookie, Origin and Host headers' values, if any.
  std::string cookie;
  std::string origin;
  std::string host;
  std::string body;
};

/// What the JSON API answers.
struct response {
  int code = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// What the JSON API needs to know of its node.
struct api_options {
  /// How long a query (skills, status, cancel, readiness) may take.
  std::chrono::milliseconds query_timeout{10'000};
  /// Most jobs in one `POST /v1/jobs:batch`.
  size_t max_batch_jobs = 10'000;
};

/// troupe's HTTP/JSON API (docs/api.md, "HTTP"): each route is a call of
/// the gRPC client API on the node's own server, through an in-process
/// channel, with the caller's bearer token. So tokens, roles, limits,
/// deadlines and job semantics are the gRPC door's, and the JSON is
/// protobuf's mapping of the same messages. Thread-safe: the HTTP server's
/// threads call `handle` at once.
class json_api {
 public:
  json_api(const std::shared_ptr<grpc::Channel>& channel, api_options opts);

  /// Answers one request.
  response handle(const request& req) const;

  /// The node's status as the holder of `authorization` (an Authorization
  /// header's value; empty: none) may read it.
  grpc::Status read_status(const std::string& authorization,
                           troupe::v1::NodeStatus& out) const;

 private:
  response submit(const request& req) const;
  response submit_batch(const request& req) const;
  response get_result(const request& req, const std::string& id) const;
  response cancel(const request& req, const std::string& id) const;
  response list_skills(const request& req) const;
  response get_status(const request& req) const;
  response ready(const request& req) const;
  /// A unary call of the client API answering 200 with its reply, or the
  /// refusal; its deadline is the query timeout plus `extra`.
  template <class Reply, class Request>
  response
  unary(const request& req,
        grpc::Status (troupe::v1::Troupe::Stub::*call)(grpc::ClientContext*,
                                                       const Request&, Reply*),
        const Request& msg, std::chrono::milliseconds extra = {}) const;
  /// Whether the node's health service says SERVING (not draining);
  /// nothing, with `why`, when it does not answer.
  std::optional<bool> health_serving(std::string& why) const;
  /// SERVING, as far as the API can tell.
  bool serving() const;

  api_options opts_;
  std::unique_ptr<troupe::v1::Troupe::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

/// A JSON error body: `{"code": C, "status": "NAME", "message": "..."}`.
response error_response(int code, const std::string& status,
                        const std::string& message);

/// The error response for a call the node refused with `st`.
response refused(const grpc::Status& st);

} // namespace troupe::http
