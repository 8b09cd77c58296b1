// A blocking skill's worker thread: jobs run off the actor scheduler, a
// running job sees its cancellation, crashes are reported.
#include "actors/pool/native_worker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

namespace {

using namespace std::chrono_literals;
using troupe::job_result;
using troupe::job_status;
using troupe::pool::native_worker;
using troupe::skills::skill_context;
using troupe::skills::skill_output;

// What the worker's thread reported, with a bounded wait for it.
struct reports {
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<std::pair<uint64_t, job_result>> done;
  std::optional<std::pair<uint64_t, std::string>> crashed;

  troupe::pool::native_worker::callbacks callbacks() {
    troupe::pool::native_worker::callbacks cb;
    cb.done = [this](uint64_t ticket, job_result&& r) {
      std::lock_guard<std::mutex> guard{mtx};
      done.emplace(ticket, std::move(r));
      cv.notify_all();
    };
    cb.crashed = [this](uint64_t ticket, std::string why) {
      std::lock_guard<std::mutex> guard{mtx};
      crashed.emplace(ticket, std::move(why));
      cv.notify_all();
    };
    return cb;
  }

  bool wait() {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 10s, [&] {
      return done || crashed;
    });
  }
};

std::shared_ptr<troupe::skills::skill_definition>
skill(troupe::skills::skill_function fn) {
  auto def = std::make_shared<troupe::skills::skill_definition>();
  def->name = "t";
  def->fn = std::move(fn);
  return def;
}

auto far_deadline() {
  return std::chrono::steady_clock::now() + 1h;
}

TEST(NativeWorker, RunsAJobOnItsOwnThread) {
  reports rep;
  troupe::pool::native_worker w{skill([](const std::string& in) {
                                  return troupe::skills::skill_output::success(
                                    in + "!");
                                }),
                                rep.callbacks()};
  w.run(3, "hi", far_deadline());
  ASSERT_TRUE(rep.wait());
  ASSERT_TRUE(rep.done);
  EXPECT_EQ(rep.done->first, 3u);
  EXPECT_EQ(rep.done->second.status, job_status::ok);
  EXPECT_EQ(rep.done->second.output, "hi!");
}

TEST(NativeWorker, ARunningJobSeesItsCancellationAndReturnsEarly) {
  reports rep;
  troupe::pool::native_worker w{
    skill([](const std::string&, const troupe::skills::skill_context& ctx) {
      // Would sleep an hour unless cancelled.
      if (!ctx.sleep_for(1h))
        return troupe::skills::skill_output::failure(job_status::cancelled,
                                                     "stopped");
      return troupe::skills::skill_output::success("slept");
    }),
    rep.callbacks()};
  w.run(9, "", far_deadline());
  w.cancel(9);
  ASSERT_TRUE(rep.wait());
  ASSERT_TRUE(rep.done);
  EXPECT_EQ(rep.done->first, 9u);
  EXPECT_EQ(rep.done->second.status, job_status::cancelled);
}

TEST(NativeWorker, CancellingAnotherTicketLeavesTheJobAlone) {
  reports rep;
  troupe::pool::native_worker w{
    skill([](const std::string&, const troupe::skills::skill_context& ctx) {
      ctx.sleep_for(20ms);
      return troupe::skills::skill_output::success(ctx.cancelled() ? "cancelled"
                                                                   : "ran");
    }),
    rep.callbacks()};
  w.cancel(1);
  w.run(2, "", far_deadline());
  ASSERT_TRUE(rep.wait());
  EXPECT_EQ(rep.done->second.output, "ran");
}

TEST(NativeWorker, ACrashIsReportedAndEndsTheThread) {
  reports rep;
  troupe::pool::native_worker w{skill([](const std::string&) -> skill_output {
                                  return troupe::skills::skill_output::crash();
                                }),
                                rep.callbacks()};
  w.run(4, "", far_deadline());
  ASSERT_TRUE(rep.wait());
  ASSERT_TRUE(rep.crashed);
  EXPECT_EQ(rep.crashed->first, 4u);
  EXPECT_FALSE(rep.done);
}

TEST(NativeWorker, TheContextKnowsTheDeadline) {
  reports rep;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  troupe::pool::native_worker w{
    skill(
      [deadline](const std::string&, const troupe::skills::skill_context& ctx) {
        return troupe::skills::skill_output::success(
          ctx.deadline() == deadline ? "yes" : "no");
      }),
    rep.callbacks()};
  w.run(1, "", deadline);
  ASSERT_TRUE(rep.wait());
  EXPECT_EQ(rep.done->second.output, "yes");
}

} // namespace
