#pragma once

#include "actors/door/door_context.hpp"
#include "actors/door/single_job.hpp"
#include "actors/door/unary_call.hpp"

#include <grpcpp/grpcpp.h>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// The `troupe.v1.Troupe` service of a node, on the door's completion
/// queue: each call becomes messages to the node's gateway or router; no
/// call blocks the door's thread.
class client_service {
 public:
  /// Serves the calls of `service`, which the door's server registered
  /// (it outlives this).
  client_service(door_context door, v1::Troupe::AsyncService& service);

  /// Serves every call on `queue` while the server runs.
  void listen(rpc::call_queue& queue);

 private:
  using detached_call = unary_call<v1::Job, v1::JobTicket>;
  using get_result_call = unary_call<v1::GetResultRequest, v1::JobState>;
  using cancel_call = unary_call<v1::CancelRequest, v1::CancelReply>;
  using skills_call = unary_call<v1::ListSkillsRequest, v1::SkillList>;
  using status_call = unary_call<v1::GetStatusRequest, v1::NodeStatus>;
  using breaker_call = unary_call<v1::BreakerRequest, v1::BreakerStatus>;
  using drain_call = unary_call<v1::DrainRequest, v1::DrainReply>;
  using crash_call = unary_call<v1::CrashRequest, v1::CrashReply>;

  void submit(const submit_call::ptr& call);
  void submit_detached(const detached_call::ptr& call);
  void get_result(const get_result_call::ptr& call);
  void cancel(const cancel_call::ptr& call);
  void list_skills(const skills_call::ptr& call);
  void get_status(const status_call::ptr& call);
  void breaker(const breaker_call::ptr& call);
  void drain(const drain_call::ptr& call);
  void crash(const crash_call::ptr& call);

  /// Starts job `in` of `who` as a detached job; `ticket` says which (an
  /// existing one for a known idempotency key, or none when the keeper is
  /// full). An empty string, else why the job cannot run.
  std::string start_detached(const caller& who, const v1::Job& in,
                             bool call_deadline,
                             const grpc::ServerContextBase& ctx,
                             result_keeper::ticket& ticket);

  /// OK when the caller of `ctx` may make `call`, which needs `needed`.
  grpc::Status allowed(const grpc::ServerContextBase& ctx, role needed,
                       const char* call) const;

  door_context door_;
  v1::Troupe::AsyncService& service_;
  rpc::call_queue* queue_ = nullptr;
};

} // namespace troupe::door
