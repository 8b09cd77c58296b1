#pragma once

#include "actors/door/door_context.hpp"

#include <grpcpp/grpcpp.h>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// The `troupe.v1.Troupe` service of a node: each call becomes messages to
/// the node's gateway or router; no call blocks a gRPC thread.
class client_service final : public v1::Troupe::CallbackService {
 public:
  explicit client_service(door_context door);

  const tls_material& tls() const {
    return door_.tls;
  }

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* ctx,
                                   const v1::Job* in,
                                   v1::JobResult* out) override;

  grpc::ServerBidiReactor<v1::JobBatch, v1::ResultBatch>*
  Run(grpc::CallbackServerContext* ctx) override;

  grpc::ServerUnaryReactor* SubmitDetached(grpc::CallbackServerContext* ctx,
                                           const v1::Job* in,
                                           v1::JobTicket* out) override;

  grpc::ServerUnaryReactor* GetResult(grpc::CallbackServerContext* ctx,
                                      const v1::GetResultRequest* in,
                                      v1::JobState* out) override;

  grpc::ServerUnaryReactor* Cancel(grpc::CallbackServerContext* ctx,
                                   const v1::CancelRequest* in,
                                   v1::CancelReply* out) override;

  grpc::ServerUnaryReactor* ListSkills(grpc::CallbackServerContext* ctx,
                                       const v1::ListSkillsRequest* in,
                                       v1::SkillList* out) override;

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* ctx,
                                      const v1::GetStatusRequest* in,
                                      v1::NodeStatus* out) override;

  grpc::ServerWriteReactor<v1::NodeStatus>*
  WatchStatus(grpc::CallbackServerContext* ctx,
              const v1::WatchStatusRequest* in) override;

  grpc::ServerUnaryReactor* Breaker(grpc::CallbackServerContext* ctx,
                                    const v1::BreakerRequest* in,
                                    v1::BreakerStatus* out) override;

  grpc::ServerUnaryReactor* Drain(grpc::CallbackServerContext* ctx,
                                  const v1::DrainRequest* in,
                                  v1::DrainReply* out) override;

  grpc::ServerUnaryReactor* Crash(grpc::CallbackServerContext* ctx,
                                  const v1::CrashRequest* in,
                                  v1::CrashReply* out) override;

 private:
  /// Starts job `in` of `who` as a detached job; `ticket` says which (an
  /// existing one for a known idempotency key, or none when the keeper is
  /// full). An empty string, else why the job cannot run.
  std::string start_detached(const caller& who, const v1::Job& in,
                             bool call_deadline,
                             grpc::CallbackServerContext* ctx,
                             result_keeper::ticket& ticket);

  /// OK when the caller of `ctx` may make `call`, which needs `needed`.
  grpc::Status allowed(grpc::CallbackServerContext* ctx, role needed,
                       const char* call) const;

  door_context door_;
};

} // namespace troupe::door
