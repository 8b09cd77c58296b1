#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace troupe::rpc {

/// What an operation on a `call_queue` reports to when it
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

/// A server's completion queue and the one thread that serves it (named
/// "troupe.door" for the clients' door, "troupe.links" for member links).
/// Every call of the server, and the calls it makes itself (a member
/// dialling another), lives on gRPC's completion-queue API: this thread
/// reads requests, starts jobs and writes answers. No gRPC callback or sync
/// service runs in a node, so no other gRPC thread polls its connections
/// and takes their reads away: a sequential client's job goes in and its
/// result out on one thread. Handlers running here never block.
class call_queue {
 public:
  /// `name` names the thread (at most 15 characters).
  call_queue(std::unique_ptr<grpc::ServerCompletionQueue> cq, std::string name);

  /// Shuts the queue down and waits until every event came back; call
  /// after the server's `Shutdown`, which ends the calls.
  ~call_queue();

  call_queue(const call_queue&) = delete;
  call_queue& operator=(const call_queue&) = delete;

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
  std::string name_;
  std::thread thread_;
  std::mutex mtx_;
  std::condition_variable all_ended_;
  size_t calls_ = 0;
};

/// Shuts `server` down, giving its calls `grace` to end, then its queue
/// (once their last events drained); both are reset.
void shut_down(std::unique_ptr<grpc::Server>& server,
               std::unique_ptr<call_queue>& queue,
               std::chrono::milliseconds grace);

} // namespace troupe::rpc
