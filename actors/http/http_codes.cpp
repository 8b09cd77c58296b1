#include "actors/http/http_codes.hpp"

namespace troupe::http {

int http_code_of(troupe::v1::JobStatus status) {
  using troupe::v1::JobStatus;
  switch (status) {
    case JobStatus::OK:
      return 200;
    case JobStatus::BAD_INPUT:
      return 400;
    case JobStatus::UNKNOWN_SKILL:
      return 404;
    case JobStatus::CANCELLED:
      return 409; // the job was cancelled before it ended
    case JobStatus::SKILL_ERROR:
      return 422; // the skill ran and refused this input
    case JobStatus::OVERLOADED:
      return 429;
    case JobStatus::NODE_LOST:
      return 502; // the member running it was lost
    case JobStatus::BREAKER_OPEN:
      return 503;
    case JobStatus::TIMEOUT:
      return 504;
    default:
      return 500;
  }
}

int http_code_of(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 412;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499; // the client went away (nginx's convention)
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

std::string retry_after_seconds(uint64_t ms) {
  auto s = (ms + 999) / 1000;
  return std::to_string(s < 1 ? 1 : s);
}

} // namespace troupe::http
