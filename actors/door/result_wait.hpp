#pragma once

#include "actors/door/result_keeper.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// The status for an id this node knows no job of, for its owner.
grpc::Status no_such_job(const std::string& id);

/// A call that waits for a detached job to end: `GetResult` (its answer is
/// a `JobState`, not done when the wait ends first) or a `Submit` with an
/// idempotency key (its answer is the `JobResult`; DEADLINE_EXCEEDED when
/// the call's deadline comes first). An unknown id is NOT_FOUND.
class result_wait final : public grpc::ServerUnaryReactor {
 public:
  /// Exactly one of `state` and `result` is the response.
  result_wait(std::shared_ptr<result_keeper> keeper, const std::string& owner,
              std::string id, caf::timespan wait, v1::JobState* state,
              v1::JobResult* result);

  void OnCancel() override;
  void OnDone() override;

 private:
  ~result_wait() override = default;

  /// The job ended (`r`) or the wait did (null).
  void answer(const v1::JobResult* r);
  void finish(const grpc::Status& status);
  void unref();

  std::shared_ptr<result_keeper> keeper_;
  std::string id_;
  v1::JobState* state_;
  v1::JobResult* result_;
  grpc::Alarm alarm_;
  uint64_t waiter_ = 0;
  /// gRPC's reference, the keeper's callback's and the alarm's.
  std::atomic<int> refs_{1};
  std::atomic<bool> finished_{false};
};

} // namespace troupe::door
