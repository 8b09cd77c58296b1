#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>

namespace troupe::door {

/// What an operation on the door's completion queue reports to when it
/// completes: `ok` is gRPC's verdict on the operation.
class queue_event {
 public:
  virtual void fire(bool ok) = 0;

 protected:
  ~queue_event() = default;
};

/// A `queue_event` that calls `(self->*F)(ok)`.
template <class T, void (T::*F)(bool)>
class member_event final : public queue_event {
 public:
  explicit member_event(T* self) : self_(self) {
    // nop
  }

  void fire(bool ok) override {
    (self_->*F)(ok);
  }

 private:
  T* self_;
};

/// The door's completion queue and the one thread that serves it
/// ("troupe.door"). Every call of the door lives on gRPC's
/// completion-queue API: this thread reads requests, starts jobs (and runs
/// the actors a quiet client's jobs make ready, see `base::help_scope`)
/// and writes answers. No gRPC callback or sync service runs beside it, so
/// no other gRPC thread polls the door's connections and takes its reads
/// away: a sequential client's job goes in and its result out on one
/// thread. Handlers running here never block.
class door_queue {
 public:
  explicit door_queue(std::unique_ptr<grpc::ServerCompletionQueue> cq);

  /// Shuts the queue down and waits until every event came back; call
  /// after the server's `Shutdown`, which ends the calls.
  ~door_queue();

  door_queue(const door_queue&) = delete;
  door_queue& operator=(const door_queue&) = delete;

  grpc::ServerCompletionQueue* get() const {
    return cq_.get();
  }

  /// A call waits on the queue (requested from gRPC, accepted or not).
  void call_began();

  /// A call will start no more operations: it was not accepted, or it is
  /// over. The queue shuts down only when every call ended, because an
  /// operation started on a queue that shut down aborts the process (an
  /// actor may still answer a call whose end is queued but not seen).
  void call_ended();

  /// Starts the thread; calls must be requested on the queue before.
  void start();

 private:
  void serve();

  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::thread thread_;
  std::mutex mtx_;
  std::condition_variable all_ended_;
  size_t calls_ = 0;
};

} // namespace troupe::door
