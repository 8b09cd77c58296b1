#pragma once

#include "actors/rpc/queued_call.hpp"

#include <functional>
#include <memory>
#include <utility>

namespace troupe::door {

/// One unary call on the door's queue: its request, its reply, and an
/// answer given once, from any thread. Handlers hold the `ptr` while they
/// work on an answer.
template <class Request, class Reply>
class unary_call final : public rpc::queued_call<unary_call<Request, Reply>> {
 public:
  using ptr = std::shared_ptr<unary_call>;
  using responder = grpc::ServerAsyncResponseWriter<Reply>;
  /// Asks gRPC for the next call of one method: its service's `RequestX`.
  using request_fn
    = std::function<void(grpc::ServerContext*, Request*, responder*,
                         grpc::ServerCompletionQueue*, void*)>;
  using handler = std::function<void(const ptr&)>;

  /// Hands every call of the method to `handle`, on the queue's thread,
  /// for as long as the server runs.
  static void listen(rpc::call_queue& queue, request_fn request,
                     handler handle) {
    next(std::make_shared<const binding>(
      binding{&queue, std::move(request), std::move(handle)}));
  }

  const Request& request() const {
    return request_;
  }

  Reply& reply() {
    return reply_;
  }

  /// Answers: `reply()` when `status` is OK, else the error. The first
  /// answer counts; none once the call is over.
  void finish(const grpc::Status& status) {
    std::lock_guard<std::mutex> guard{this->mtx_};
    if (answered_ || this->done())
      return;
    answered_ = true;
    this->op_started();
    if (status.ok())
      responder_.Finish(reply_, status, this->counted());
    else
      responder_.FinishWithError(status, this->counted());
  }

  /// `f(cancelled)` runs once the call is over (answered, or cancelled),
  /// on the queue's thread. Set by the handler, which runs there too.
  void on_over(std::function<void(bool)> f) {
    on_over_ = std::move(f);
  }

  /// From `queued_call`: the call is over.
  void call_over(bool cancelled) {
    // The hook may hold this call: dropping it breaks the cycle.
    auto f = std::move(on_over_);
    on_over_ = nullptr;
    if (f)
      f(cancelled);
  }

 private:
  friend class rpc::queued_call<unary_call>;

  struct binding {
    rpc::call_queue* queue;
    request_fn request;
    handler handle;
  };

  explicit unary_call(std::shared_ptr<const binding> how)
      : how_(std::move(how)) {
    // nop
  }

  static void next(const std::shared_ptr<const binding>& how) {
    auto* raw = unary_call::make(*how->queue, how);
    how->request(&raw->ctx_, &raw->request_, &raw->responder_,
                 how->queue->get(), &raw->accepted_);
  }

  void on_accepted(bool ok) {
    if (!this->accepted(ok))
      return;
    next(how_);
    how_->handle(this->held());
  }

  std::shared_ptr<const binding> how_;
  Request request_;
  Reply reply_;
  responder responder_{&this->ctx_};
  rpc::member_event<unary_call, &unary_call::on_accepted> accepted_{this};
  std::function<void(bool)> on_over_;
  bool answered_ = false;
};

} // namespace troupe::door
