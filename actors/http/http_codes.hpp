#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <cstdint>
#include <string>

#include "troupe/v1/troupe.pb.h"

namespace troupe::http {

/// The HTTP status of a finished job's response: 200 for OK, and for each
/// failure the code an HTTP client expects of it (docs/api.md, "HTTP").
int http_code_of(troupe::v1::JobStatus status);

/// The HTTP status of a call the node refused (a gRPC status other than
/// OK): 400 bad argument, 401 no or unknown token, 403 role, 404 not
/// found, 429 over a limit, 503 unavailable or draining, 504 past the
/// deadline, 500 otherwise.
int http_code_of(grpc::StatusCode code);

/// The value of a Retry-After header (whole seconds, at least 1) for a
/// wait of `ms` milliseconds.
std::string retry_after_seconds(uint64_t ms);

} // namespace troupe::http
