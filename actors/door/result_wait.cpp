#include "actors/door/result_wait.hpp"

#include <chrono>

namespace troupe::door {

grpc::Status no_such_job(const std::string& id) {
  return {grpc::StatusCode::NOT_FOUND,
          "no job " + id
            + ": the id is unknown, belongs to another token, or its result "
              "expired (results are kept for the node's result-retention)"};
}

result_wait::result_wait(std::shared_ptr<result_keeper> keeper,
                         on_answer answer)
    : keeper_(std::move(keeper)), answer_(std::move(answer)) {
  // nop
}

std::shared_ptr<result_wait>
result_wait::start(std::shared_ptr<result_keeper> keeper,
                   const std::string& owner, const std::string& id,
                   caf::timespan wait, grpc::CompletionQueue* cq,
                   on_answer answer) {
  std::shared_ptr<result_wait> w{
    new result_wait(std::move(keeper), std::move(answer))};
  // The keeper holds the wait until it calls back or the wait is dropped.
  w->waiter_ = w->keeper_->wait(owner, id, [w](const v1::JobResult* r) {
    w->give(r);
  });
  if (w->waiter_ == 0)
    return nullptr;
  if (w->answered_)
    return w;
  if (wait <= caf::timespan{0}) {
    if (w->keeper_->unwait(w->waiter_))
      w->give(nullptr);
    return w;
  }
  w->alarm_holds_ = w;
  w->alarm_.Set(
    cq,
    std::chrono::system_clock::now()
      + std::chrono::duration_cast<std::chrono::system_clock::duration>(wait),
    &w->alarm_event_);
  return w;
}

void result_wait::give(const v1::JobResult* r) {
  if (!answered_.exchange(true))
    answer_(r);
}

void result_wait::on_alarm(bool ok) {
  // Both the alarm and `stop` run on the door's thread.
  auto last = std::move(alarm_holds_);
  if (ok && keeper_->unwait(waiter_))
    give(nullptr);
}

void result_wait::stop() {
  answered_ = true;
  alarm_.Cancel();
  keeper_->unwait(waiter_);
}

} // namespace troupe::door
