#include "actors/door/door_queue.hpp"

#include <pthread.h>

namespace troupe::door {

door_queue::door_queue(std::unique_ptr<grpc::ServerCompletionQueue> cq)
    : cq_(std::move(cq)) {
  // nop
}

door_queue::~door_queue() {
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

void door_queue::call_began() {
  std::lock_guard<std::mutex> guard{mtx_};
  ++calls_;
}

void door_queue::call_ended() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (--calls_ == 0)
    all_ended_.notify_all();
}

void door_queue::start() {
  thread_ = std::thread{[this] {
    pthread_setname_np(pthread_self(), "troupe.door");
    serve();
  }};
}

void door_queue::serve() {
  // Every operation's event comes back, failed ones included once the
  // server shut down, so calls free themselves before `Next` says the
  // queue is drained.
  void* tag = nullptr;
  bool ok = false;
  while (cq_->Next(&tag, &ok))
    static_cast<queue_event*>(tag)->fire(ok);
}

} // namespace troupe::door
