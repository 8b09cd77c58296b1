#pragma once

#include "actors/door/door_context.hpp"
#include "actors/door/unary_call.hpp"

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// A `Submit` call.
using submit_call = unary_call<v1::Job, v1::JobResult>;

/// Runs the job of a `Submit` call of `who` (whose limits admitted it):
/// the job goes to the node's gateway with the call's port as its client,
/// and its result answers the call. A call that is over unanswered (the
/// client went away, its deadline passed) cancels the job.
void run_single_job(const submit_call::ptr& call, const door_context& door,
                    caller who);

} // namespace troupe::door
