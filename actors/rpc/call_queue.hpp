#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

/// Work for a `call_queue`'s thread between events (`call_queue::defer`).
class queue_task {
 public:
  virtual void run() = 0;

 protected:
  ~queue_task() = default;
};

/// A `queue_task` that calls `(self->*F)()`.
template <class T, void (T::*F)()>
class member_task final : public queue_task {
 public:
  explicit member_task(T* self) : self_(self) {
    // nop
  }

  void run() override {
    (self_->*F)();
  }

 private:
  T* self_;
};

/// A server's completion queue and the one thread that serves it (named
/// "troupe.grpc" for a node's server, "troupe.links" for member links on
/// a server of their own).
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

  /// The thread polls instead of sleeping for `span` from now (or until a
  /// later deadline set before): an answer due within it is taken the
  /// moment it arrives, not after the thread was woken. Any thread.
  void poll_for(std::chrono::microseconds span);

  /// Runs `task` when the thread would sleep (not while it polls), or
  /// once it handled `max_defer_events` more events, whichever comes
  /// first; every deferred task runs before the thread ends. Only from an
  /// event's handler on this queue's thread; `task` must live until it
  /// ran.
  void defer(queue_task& task);

  /// How many events a deferred task waits at most.
  static constexpr size_t max_defer_events = 16;

 private:
  void serve();
  /// Runs `tasks` (deferred ones) and empties it.
  void run(std::vector<queue_task*>& tasks);

  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::string name_;
  std::thread thread_;
  std::mutex mtx_;
  std::condition_variable all_ended_;
  size_t calls_ = 0;
  /// Until when the thread polls (`poll_for`), steady-clock nanoseconds.
  std::atomic<int64_t> poll_until_{0};
  /// Tasks deferred and tasks running; the thread's own.
  std::vector<queue_task*> deferred_;
  std::vector<queue_task*> running_;
  /// Events handled since the oldest deferred task was deferred.
  size_t events_since_defer_ = 0;
};

/// Shuts `server` down, giving its calls `grace` to end, then its queue
/// (once their last events drained); both are reset.
void shut_down(std::unique_ptr<grpc::Server>& server,
               std::unique_ptr<call_queue>& queue,
               std::chrono::milliseconds grace);

} // namespace troupe::rpc
