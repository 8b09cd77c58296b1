#pragma once

#include "actors/door/result_keeper.hpp"
#include "actors/rpc/call_queue.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// The status for an id this node knows no job of, for its owner.
grpc::Status no_such_job(const std::string& id);

/// A wait for a detached job to end, for a `GetResult` call or a `Submit`
/// with an idempotency key: gives the job's result once it ended, or null
/// when the wait ended first.
class result_wait {
 public:
  /// Called once: with the result, or null when the wait ended first.
  using on_answer = std::function<void(const v1::JobResult* r)>;

  /// Waits at most `wait` for job `id` of `owner`, timed on `cq`; null
  /// when the keeper knows no such job (`answer` is never called).
  static std::shared_ptr<result_wait>
  start(std::shared_ptr<result_keeper> keeper, const std::string& owner,
        const std::string& id, caf::timespan wait, grpc::CompletionQueue* cq,
        on_answer answer);

  /// Nobody waits any more (the call is over): nothing will be called.
  void stop();

 private:
  result_wait(std::shared_ptr<result_keeper> keeper, on_answer answer);

  void give(const v1::JobResult* r);
  void on_alarm(bool ok);

  std::shared_ptr<result_keeper> keeper_;
  on_answer answer_;
  uint64_t waiter_ = 0;
  grpc::Alarm alarm_;
  rpc::member_event<result_wait, &result_wait::on_alarm> alarm_event_{this};
  /// Held while the alarm is set: its event must find the wait.
  std::shared_ptr<result_wait> alarm_holds_;
  std::atomic<bool> answered_{false};
};

} // namespace troupe::door
