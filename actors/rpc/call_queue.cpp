#include "actors/rpc/call_queue.hpp"

#include <pthread.h>

namespace troupe::rpc {

call_queue::call_queue(std::unique_ptr<grpc::ServerCompletionQueue> cq,
                       std::string name)
    : cq_(std::move(cq)), name_(std::move(name)) {
  // nop
}

call_queue::~call_queue() {
  if (thread_.joinable()) {
    // The server shut down: its calls end (those it cancelled too) as the
    // thread takes their last events.
    std::unique_lock<std::mutex> guard{mtx_};
    all_ended_.wait(guard, [this] {
      return calls_ == 0;
    });
  }
  cq_->Shutdown();
  if (thread_.joinable())
    thread_.join();
  else
    serve(); // never started: whatever was requested on it comes back here
}

void call_queue::call_began() {
  std::lock_guard<std::mutex> guard{mtx_};
  ++calls_;
}

void call_queue::call_ended() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (--calls_ == 0)
    all_ended_.notify_all();
}

void call_queue::start() {
  thread_ = std::thread{[this] {
    pthread_setname_np(pthread_self(), name_.c_str());
    serve();
  }};
}

void call_queue::serve() {
  // Every operation's event comes back, failed ones included once the
  // server shut down, so calls free themselves before `Next` says the
  // queue is drained.
  void* tag = nullptr;
  bool ok = false;
  for (;;) {
    // A deadline already past: gRPC looks at its sockets once and returns.
    auto st = cq_->AsyncNext(&tag, &ok, gpr_inf_past(GPR_CLOCK_MONOTONIC));
    if (st == grpc::CompletionQueue::SHUTDOWN)
      break;
    if (st == grpc::CompletionQueue::TIMEOUT) {
      auto now = std::chrono::steady_clock::now().time_since_epoch().count();
      if (now < poll_until_.load(std::memory_order_relaxed)) {
        std::this_thread::yield(); // whoever runs the answer may need the core
        continue;
      }
      if (!deferred_.empty()) {
        run(deferred_);
        continue;
      }
      if (!cq_->Next(&tag, &ok))
        break;
    }
    static_cast<queue_event*>(tag)->fire(ok);
    // Deferred tasks wait a few events at most, so that a busy thread
    // that never sleeps runs them too.
    if (!deferred_.empty() && ++events_since_defer_ > max_defer_events)
      run(deferred_);
  }
  while (!deferred_.empty())
    run(deferred_);
}

void call_queue::run(std::vector<queue_task*>& tasks) {
  // A task may defer others: they wait for the next turn. The buffers
  // trade places, so that deferring allocates nothing once warm.
  running_.swap(tasks);
  for (auto* t : running_)
    t->run();
  running_.clear();
}

void call_queue::defer(queue_task& task) {
  if (deferred_.empty())
    events_since_defer_ = 0;
  deferred_.push_back(&task);
}

void call_queue::poll_for(std::chrono::microseconds span) {
  auto until
    = (std::chrono::steady_clock::now() + span).time_since_epoch().count();
  auto cur = poll_until_.load(std::memory_order_relaxed);
  while (cur < until
         && !poll_until_.compare_exchange_weak(cur, until,
                                               std::memory_order_relaxed)) {
    // another thread moved it; try again unless it is later now
  }
}

void shut_down(std::unique_ptr<grpc::Server>& server,
               std::unique_ptr<call_queue>& queue,
               std::chrono::milliseconds grace) {
  if (!server)
    return;
  server->Shutdown(std::chrono::system_clock::now() + grace);
  // The calls ended; their last events drain from the queue.
  queue.reset();
  server->Wait();
  server.reset();
}

} // namespace troupe::rpc
