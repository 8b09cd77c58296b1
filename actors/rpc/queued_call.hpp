#pragma once

#include "actors/rpc/call_queue.hpp"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <utility>

namespace troupe::rpc {

/// What every server call on a `call_queue` shares: its context and when it may
/// be freed. A call holds itself (`self_`) for as long as gRPC may report
/// to it: until the done notification came and no operation it started is
/// pending. Whoever else holds it (an actor with its answer, a job's port)
/// keeps it alive; what they do to a call that is over does nothing.
template <class Derived>
class queued_call {
 public:
  grpc::ServerContext& ctx() {
    return ctx_;
  }

 protected:
  queued_call() = default;
  ~queued_call() = default;

  /// A new call, built from `xs` and held, to be requested from gRPC on
  /// `queue` (the caller passes it to the service's `RequestX`).
  template <class... Ts>
  static Derived* make(call_queue& queue, Ts&&... xs) {
    std::shared_ptr<Derived> call{new Derived(std::forward<Ts>(xs)...)};
    auto* raw = call.get();
    raw->hold(std::move(call), queue);
    return raw;
  }

  /// Holds `self` and asks for the done notification; before the call is
  /// requested from gRPC on `queue`.
  void hold(std::shared_ptr<Derived> self, call_queue& queue) {
    queue_ = &queue;
    queue.call_began();
    self_ = std::move(self);
    ctx_.AsyncNotifyWhenDone(&done_event_);
  }

  /// This call, while gRPC may report to it.
  std::shared_ptr<Derived> held() const {
    return self_;
  }

  /// Whether gRPC accepted the call. When it did not (the server stops),
  /// no done notification comes: the call lets go of itself and may be
  /// freed on return.
  bool accepted(bool ok) {
    if (ok)
      return true;
    queue_->call_ended();
    auto last = std::move(self_);
    return false;
  }

  /// What a call does once it is over; calls with more to do hide it.
  void call_over(bool) {
    // nop
  }

  call_queue& queue() const {
    return *queue_;
  }

  /// An operation reporting to this call starts; lock held.
  void op_started() {
    ++pending_;
  }

  /// An operation reported; lock held. The reference to drop, outside the
  /// lock, when the call is over.
  [[nodiscard]] std::shared_ptr<Derived> op_ended() {
    --pending_;
    return over();
  }

  /// The event for an operation that needs no more than counting (a
  /// `Finish`).
  queue_event* counted() {
    return &counted_event_;
  }

  /// Whether the call is over on gRPC's side: nothing more may start.
  bool done() const {
    return done_;
  }

  std::mutex mtx_;
  grpc::ServerContext ctx_;

 private:
  std::shared_ptr<Derived> over() {
    return done_ && pending_ == 0 ? std::move(self_) : nullptr;
  }

  void on_done(bool) {
    std::shared_ptr<Derived> last;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      done_ = true;
      last = over();
    }
    // Answered, or cancelled: the client went away, its deadline passed,
    // or the server stops.
    static_cast<Derived*>(this)->call_over(ctx_.IsCancelled());
    // Nothing starts on this call any more (`done_` is set).
    queue_->call_ended();
  }

  void on_counted(bool) {
    std::shared_ptr<Derived> last;
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
  }

  member_event<queued_call, &queued_call::on_done> done_event_{this};
  member_event<queued_call, &queued_call::on_counted> counted_event_{this};
  std::shared_ptr<Derived> self_;
  call_queue* queue_ = nullptr;
  int pending_ = 0;
  bool done_ = false;
};

} // namespace troupe::rpc
