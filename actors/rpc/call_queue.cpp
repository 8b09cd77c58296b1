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
  while (cq_->Next(&tag, &ok))
    static_cast<queue_event*>(tag)->fire(ok);
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
