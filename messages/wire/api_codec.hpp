#pragma once

#include "messages/breaker_status.hpp"
#include "messages/job.hpp"
#include "messages/node_status.hpp"

#include <cstddef>
#include <string>

#include "troupe/v1/troupe.pb.h"

// Converts between troupe's in-process structs and the client API
// (messages/wire/troupe/v1/troupe.proto), for the node's gRPC door and for
// clients. Fields members set among themselves (placement, origin, cache
// lookups) have no counterpart in the API, so no client can set them.
namespace troupe::wire::api {

/// The longest skill name a job may carry, in bytes.
inline constexpr size_t max_skill_bytes = 256;

/// A job for the API (client side); its `id` becomes the job's `ref`.
void to_proto(const job& in, v1::Job& out);

/// Reads a job from a client (node side) into `out` (its id is left
/// alone): an empty string when it can run, else why it is refused
/// (BAD_INPUT), for a person: no skill, a skill name that is too long, or
/// an input larger than `max_input_bytes`.
std::string from_proto(const v1::Job& in, job& out, size_t max_input_bytes);

/// A result for the API (node side): the output goes in `output` when it is
/// valid UTF-8, else in `output_bytes`; the error and names are made valid
/// UTF-8. `id`, `ref`, `tag` and `trace` are left to the caller.
void to_proto(const job_result& in, v1::JobResult& out);

/// Reads a result (client side); its `id` becomes the result's `ref`.
void from_proto(const v1::JobResult& in, job_result& out);

job_status from_proto(v1::JobStatus in);
v1::JobStatus to_proto(job_status in);

void to_proto(const skill_list& in, v1::SkillList& out);
skill_list from_proto(const v1::SkillList& in);

void to_proto(const node_status& in, v1::NodeStatus& out);
node_status from_proto(const v1::NodeStatus& in);

void to_proto(const breaker_status& in, v1::BreakerStatus& out);
breaker_status from_proto(const v1::BreakerStatus& in);

v1::BreakerRequest::Action to_proto(breaker_command in);
breaker_command from_proto(v1::BreakerRequest::Action in);

} // namespace troupe::wire::api
