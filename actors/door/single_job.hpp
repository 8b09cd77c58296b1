#pragma once

#include "actors/door/door_context.hpp"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// One `Submit` call: the job goes to the node's gateway with the call's
/// port as its client, and its result finishes the call. A cancelled call
/// (the client went away, its deadline passed) cancels the job.
class single_job final : public grpc::ServerUnaryReactor {
 public:
  /// Starts the job of `who`, whose limits admitted it; `out` is the
  /// call's response.
  single_job(grpc::CallbackServerContext* ctx, const door_context& door,
             caller who, const v1::Job& in, v1::JobResult* out);

  void OnCancel() override;
  void OnDone() override;

 private:
  class port;

  ~single_job() override = default;

  void on_result(job_result& r);
  void finish(const grpc::Status& status);
  void unref();

  const door_context& door_;
  caller who_;
  v1::JobResult* out_;
  uint64_t ref_;
  std::string tag_;
  std::shared_ptr<port> port_;
  std::atomic<int> refs_{1};
  std::atomic<bool> finished_{false};
  std::atomic<bool> answered_{false};
};

} // namespace troupe::door
