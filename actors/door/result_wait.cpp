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
                         const std::string& owner, std::string id,
                         caf::timespan wait, v1::JobState* state,
                         v1::JobResult* result)
    : keeper_(std::move(keeper)), id_(std::move(id)), state_(state),
      result_(result) {
  ++refs_;
  waiter_ = keeper_->wait(owner, id_, [this](const v1::JobResult* r) {
    answer(r);
    unref();
  });
  if (waiter_ == 0) {
    unref();
    finish(no_such_job(id_));
    return;
  }
  if (finished_)
    return;
  if (wait <= caf::timespan{0}) {
    if (keeper_->unwait(waiter_)) {
      unref();
      answer(nullptr);
    }
    return;
  }
  ++refs_;
  alarm_.Set(
    std::chrono::system_clock::now()
      + std::chrono::duration_cast<std::chrono::system_clock::duration>(wait),
    [this](bool ok) {
      if (ok && keeper_->unwait(waiter_)) {
        unref();
        answer(nullptr);
      }
      unref();
    });
}

void result_wait::answer(const v1::JobResult* r) {
  if (finished_.exchange(true))
    return;
  if (state_ != nullptr) {
    state_->set_id(id_);
    state_->set_done(r != nullptr);
    if (r != nullptr)
      *state_->mutable_result() = *r;
    Finish(grpc::Status::OK);
    return;
  }
  if (r == nullptr) {
    Finish(grpc::Status{grpc::StatusCode::DEADLINE_EXCEEDED,
                        "job " + id_
                          + " did not end before the call's deadline; it "
                            "goes on: fetch its result with GetResult"});
    return;
  }
  *result_ = *r;
  Finish(grpc::Status::OK);
}

void result_wait::finish(const grpc::Status& status) {
  if (!finished_.exchange(true))
    Finish(status);
}

void result_wait::OnCancel() {
  alarm_.Cancel();
  if (waiter_ != 0 && keeper_->unwait(waiter_))
    unref();
  finish(grpc::Status{grpc::StatusCode::CANCELLED,
                      "the call was cancelled; the job goes on"});
}

void result_wait::OnDone() {
  alarm_.Cancel();
  unref();
}

void result_wait::unref() {
  if (--refs_ == 0)
    delete this;
}

} // namespace troupe::door
