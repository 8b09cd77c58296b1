#include "actors/rpc/call_queue.hpp"

#include <gtest/gtest.h>

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

using namespace std::chrono_literals;
namespace rpc = troupe::rpc;

namespace {

/// A server with nothing but a `call_queue`: the tests make its events
/// with alarms.
struct CallQueue : testing::Test {
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<rpc::call_queue> queue;

  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    queue = std::make_unique<rpc::call_queue>(builder.AddCompletionQueue(),
                                              "troupe.test");
    server = builder.BuildAndStart();
    queue->start();
  }

  void TearDown() override {
    server->Shutdown(std::chrono::system_clock::now());
    queue.reset();
    server->Wait();
  }
};

/// An event that counts and runs `then` on the queue's thread.
struct counted_event final : rpc::queue_event {
  std::atomic<int> fired{0};
  std::function<void()> then;

  void fire(bool) override {
    ++fired;
    if (then)
      then();
  }
};

/// A task that notes how many events had fired when it ran.
struct noting_task final : rpc::queue_task {
  const counted_event* events = nullptr;
  std::atomic<int> ran_after{-1};

  void run() override {
    ran_after = events->fired.load();
  }
};

/// Fires `ev` once on `q`'s thread, through an alarm due at once.
void fire_once(rpc::call_queue& q, grpc::Alarm& alarm, counted_event& ev) {
  alarm.Set(q.get(), gpr_now(GPR_CLOCK_MONOTONIC), &ev);
}

template <class F>
bool eventually(F f) {
  for (int i = 0; i < 500; ++i) {
    if (f())
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

/// Fires one event on `q` whose handler polls for `poll` (zero: not at
/// all) and defers a task; no other event comes. The events that had
/// fired when the task ran, or -1 if it did not run.
int events_before_a_lone_task(rpc::call_queue& q,
                              std::chrono::microseconds poll) {
  counted_event ev;
  noting_task task;
  task.events = &ev;
  ev.then = [&] {
    if (poll.count() > 0)
      q.poll_for(poll);
    q.defer(task);
  };
  grpc::Alarm alarm;
  fire_once(q, alarm, ev);
  eventually([&] {
    return task.ran_after.load() >= 0;
  });
  return task.ran_after.load();
}

} // namespace

TEST_F(CallQueue, ADeferredTaskRunsWhenTheThreadWouldSleep) {
  EXPECT_EQ(events_before_a_lone_task(*queue, {}), 1);
}

TEST_F(CallQueue, ADeferredTaskRunsOncePollingEnds) {
  EXPECT_EQ(events_before_a_lone_task(*queue, 20ms), 1);
}

TEST_F(CallQueue, WhilePollingADeferredTaskWaitsForABoundedNumberOfEvents) {
  counted_event first;
  counted_event later;
  noting_task task;
  task.events = &later;
  first.then = [&] {
    // Polling, the thread never sleeps: only events move the task.
    queue->poll_for(std::chrono::duration_cast<std::chrono::microseconds>(60s));
    queue->defer(task);
  };
  grpc::Alarm a0;
  fire_once(*queue, a0, first);
  ASSERT_TRUE(eventually([&] {
    return first.fired.load() == 1;
  }));
  int n = static_cast<int>(rpc::call_queue::max_defer_events);
  for (int i = 0; i < n + 4; ++i) {
    grpc::Alarm a;
    fire_once(*queue, a, later);
    ASSERT_TRUE(eventually([&] {
      return later.fired.load() == i + 1;
    }));
    if (i + 1 < n) {
      EXPECT_EQ(task.ran_after.load(), -1) << "after " << i + 1 << " events";
    }
  }
  EXPECT_EQ(task.ran_after.load(), n);
}
