#pragma once

#include "messages/job.hpp"

#include <grpcpp/grpcpp.h>

#include <chrono>

namespace troupe::door {

/// Time left until the call's gRPC deadline; `max_job_timeout` when the
/// call has none.
inline caf::timespan time_left(const grpc::ServerContextBase& ctx) {
  auto deadline = ctx.deadline();
  if (deadline == std::chrono::system_clock::time_point::max())
    return max_job_timeout;
  auto left = deadline - std::chrono::system_clock::now();
  if (left >= max_job_timeout)
    return max_job_timeout;
  return std::chrono::duration_cast<caf::timespan>(left);
}

/// A call's deadline is its jobs' deadline when it comes first: the job
/// gets the smaller of its own timeout and the time left (a job that named
/// none keeps the node's default unless the call ends earlier). At least
/// one microsecond, so that the node still answers it (TIMEOUT).
inline void apply_call_deadline(job& j, caf::timespan left) {
  if (left >= max_job_timeout)
    return;
  left = std::max(left, caf::timespan{std::chrono::microseconds{1}});
  if (j.options.timeout <= caf::timespan{0} || j.options.timeout > left)
    j.options.timeout = left;
}

} // namespace troupe::door
