// One worker process, driven without an actor system: start and first
// ping, jobs, kill, a child that dies, a child that breaks the protocol, a
// command that cannot start. Uses troupe's test worker.
#include "actors/pool/child_process.hpp"
#include "actors/pool/process_worker.hpp"
#include "messages/errors.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::job_result;
using troupe::job_status;
using troupe::pool::process_worker;
using troupe::pool::restart_reason;

struct loss {
  uint64_t ticket;
  troupe::pool::restart_reason why;
  std::string reason;
};

// Everything the worker's thread reported, with bounded waits.
struct reports {
  std::mutex mtx;
  std::condition_variable cv;
  bool ready = false;
  std::vector<std::pair<uint64_t, job_result>> done;
  std::vector<loss> lost;

  troupe::pool::process_worker::callbacks callbacks() {
    troupe::pool::process_worker::callbacks cb;
    cb.ready = [this] {
      update([&] {
        ready = true;
      });
    };
    cb.done = [this](uint64_t ticket, job_result&& r) {
      update([&] {
        done.emplace_back(ticket, std::move(r));
      });
    };
    cb.lost = [this](uint64_t ticket, troupe::pool::restart_reason why,
                     std::string text) {
      update([&] {
        lost.push_back(loss{ticket, why, std::move(text)});
      });
    };
    return cb;
  }

  template <class F>
  void update(F f) {
    std::lock_guard<std::mutex> guard{mtx};
    f();
    cv.notify_all();
  }

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 15s, pred);
  }
};

std::shared_ptr<troupe::skills::skill_definition>
worker_skill(std::vector<std::string> args = {}) {
  auto def = std::make_shared<troupe::skills::skill_definition>();
  def->name = "work";
  def->version = "4";
  def->kind = troupe::skills::skill_kind::process;
  def->process.command = TROUPE_TEST_WORKER;
  def->process.args = std::move(args);
  def->process.kill_grace = 200ms;
  def->process.start_timeout = 5s;
  return def;
}

TEST(ProcessWorker, StartsAnswersJobsAndStopsWhenDropped) {
  reports rep;
  // A child that ignored EOF would be killed only after this grace period:
  // ending before it shows that it exited by itself.
  auto def = worker_skill();
  def->process.kill_grace = 60s;
  {
    troupe::pool::process_worker w{def, rep.callbacks()};
    ASSERT_TRUE(rep.wait([&] {
      return rep.ready;
    }));
    w.run(11, "hello", 1s, 1);
    ASSERT_TRUE(rep.wait([&] {
      return rep.done.size() == 1;
    }));
    w.run(12, "env:TROUPE_SKILL_VERSION", 1s, 1);
    ASSERT_TRUE(rep.wait([&] {
      return rep.done.size() == 2;
    }));
  }
  EXPECT_EQ(rep.done[0].first, 11u);
  EXPECT_EQ(rep.done[0].second.status, job_status::ok);
  EXPECT_EQ(rep.done[0].second.output, "hello");
  EXPECT_EQ(rep.done[1].second.output, "4");
  // Dropped: EOF on its stdin, it exits by itself and is reaped.
  EXPECT_EQ(troupe::pool::process_worker::wait_all(20s), 0u);
}

// The owner of a worker may go away with whatever its callbacks refer to:
// once the worker is destroyed, its thread (which lives on until the child
// is reaped) calls none of them.
TEST(ProcessWorker, NoCallbackRunsAfterTheWorkerIsDestroyed) {
  struct guard {
    std::atomic<bool> dropped{false};
    std::atomic<int> late_calls{0};
    void call() {
      if (dropped)
        ++late_calls;
    }
  };
  auto g = std::make_shared<guard>();
  troupe::pool::process_worker::callbacks cb;
  std::atomic<bool> ready{false};
  cb.ready = [g, &ready] {
    g->call();
    ready = true;
  };
  cb.done = [g](uint64_t, job_result&&) {
    g->call();
  };
  cb.lost = [g](uint64_t, troupe::pool::restart_reason, std::string) {
    g->call();
  };
  {
    troupe::pool::process_worker w{worker_skill(), std::move(cb)};
    for (int i = 0; i < 1500 && !ready; ++i)
      std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(ready);
    // A job in flight too: its answer must not be delivered either.
    w.run(1, "sleep:50", 1s, 1);
  }
  g->dropped = true;
  EXPECT_EQ(troupe::pool::process_worker::wait_all(15s), 0u);
  EXPECT_EQ(g->late_calls, 0);
}

TEST(ProcessWorker, SkillErrorsAndBadInputComeBackAsResults) {
  reports rep;
  troupe::pool::process_worker w{worker_skill(), rep.callbacks()};
  ASSERT_TRUE(rep.wait([&] {
    return rep.ready;
  }));
  w.run(1, "fail:nope", 1s, 1);
  ASSERT_TRUE(rep.wait([&] {
    return rep.done.size() == 1;
  }));
  w.run(2, "bad:wrong", 1s, 1);
  ASSERT_TRUE(rep.wait([&] {
    return rep.done.size() == 2;
  }));
  EXPECT_EQ(rep.done[0].second.status, job_status::skill_error);
  EXPECT_EQ(rep.done[0].second.error, "nope");
  EXPECT_EQ(rep.done[1].second.status, job_status::bad_input);
  EXPECT_EQ(rep.done[1].second.error, "wrong");
}

TEST(ProcessWorker, KillEscalatesToSigkillForAChildIgnoringSigterm) {
  reports rep;
  troupe::pool::process_worker w{worker_skill(), rep.callbacks()};
  ASSERT_TRUE(rep.wait([&] {
    return rep.ready;
  }));
  w.run(5, "hang-hard", 10s, 1);
  // Whether SIGTERM arrives before the child starts ignoring it or not, the
  // child ends killed by a signal, SIGKILL after the grace period at worst.
  w.kill();
  ASSERT_TRUE(rep.wait([&] {
    return !rep.lost.empty();
  }));
  EXPECT_EQ(rep.lost[0].ticket, 5u);
  EXPECT_NE(rep.lost[0].reason.find("killed by signal"), std::string::npos)
    << rep.lost[0].reason;
  EXPECT_EQ(troupe::pool::process_worker::wait_all(5s), 0u);
}

TEST(ProcessWorker, AChildThatExitsMidJobIsReportedWithItsExitCode) {
  reports rep;
  troupe::pool::process_worker w{worker_skill(), rep.callbacks()};
  ASSERT_TRUE(rep.wait([&] {
    return rep.ready;
  }));
  w.run(8, "exit:7", 1s, 1);
  ASSERT_TRUE(rep.wait([&] {
    return !rep.lost.empty();
  }));
  EXPECT_EQ(rep.lost[0].ticket, 8u);
  EXPECT_EQ(rep.lost[0].why, troupe::pool::restart_reason::crashed);
  EXPECT_NE(rep.lost[0].reason.find("exited with code 7"), std::string::npos)
    << rep.lost[0].reason;
  EXPECT_TRUE(rep.done.empty());
}

TEST(ProcessWorker, ABrokenFrameMakesTheWorkerUnhealthy) {
  reports rep;
  troupe::pool::process_worker w{worker_skill(), rep.callbacks()};
  ASSERT_TRUE(rep.wait([&] {
    return rep.ready;
  }));
  w.run(3, "garbage", 1s, 1);
  ASSERT_TRUE(rep.wait([&] {
    return !rep.lost.empty();
  }));
  EXPECT_EQ(rep.lost[0].ticket, 3u);
  EXPECT_EQ(rep.lost[0].why, troupe::pool::restart_reason::unhealthy);
  EXPECT_NE(rep.lost[0].reason.find("broke the worker protocol"),
            std::string::npos)
    << rep.lost[0].reason;
}

TEST(ProcessWorker, ACommandThatCannotStartIsReportedAsStartFailed) {
  reports rep;
  auto def = worker_skill();
  def->process.command = "/nonexistent/worker";
  troupe::pool::process_worker w{def, rep.callbacks()};
  ASSERT_TRUE(rep.wait([&] {
    return !rep.lost.empty();
  }));
  EXPECT_FALSE(rep.ready);
  EXPECT_EQ(rep.lost[0].why, troupe::pool::restart_reason::start_failed);
  EXPECT_NE(rep.lost[0].reason.find("cannot start '/nonexistent/worker'"),
            std::string::npos)
    << rep.lost[0].reason;
}

TEST(ProcessWorker, AChildThatNeverAnswersItsFirstPingFailsToStart) {
  reports rep;
  auto def = worker_skill({"--no-pong"});
  def->process.start_timeout = 100ms;
  troupe::pool::process_worker w{def, rep.callbacks()};
  ASSERT_TRUE(rep.wait([&] {
    return !rep.lost.empty();
  }));
  EXPECT_EQ(rep.lost[0].why, troupe::pool::restart_reason::start_failed);
  EXPECT_NE(rep.lost[0].reason.find("did not answer its first ping"),
            std::string::npos)
    << rep.lost[0].reason;
}

TEST(ChildProcess, ExitStatusesInWords) {
  EXPECT_EQ(troupe::pool::describe_exit(3 << 8), "exited with code 3");
  EXPECT_EQ(troupe::pool::describe_exit(SIGKILL),
            "was killed by signal 9 (SIGKILL)");
}

TEST(ChildProcess, AFailedExecIsReportedByTheParent) {
  troupe::pool::process_spec spec;
  spec.command = TROUPE_TEST_WORKER;
  spec.workdir = "/nonexistent-dir";
  auto child = troupe::pool::start_child(spec);
  ASSERT_FALSE(child);
  EXPECT_NE(troupe::message_of(child.error()).find("working directory"),
            std::string::npos)
    << troupe::message_of(child.error());
}

} // namespace
