#include "actors/base/load_board.hpp"
#include "actors/pool/worker_pool.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::job;
using troupe::job_status;
using troupe::skill_info;
using troupe::worker_pool_actor;
using troupe::pool::worker_pool_config;
using troupe::skills::skill_output;
using troupe::test::echo_skill;
using troupe::test::make_job;
using troupe::test::make_skill;
using troupe::test::result_recorder;
using troupe::test::resumable_of;

class WorkerPool : public troupe::test::actor_test {
 public:
  WorkerPool() : rec(sys()) {}

  worker_pool_actor
  spawn_pool(std::shared_ptr<const troupe::skills::skill_definition> skill,
             uint32_t workers = 1, uint64_t queue_capacity = 100,
             troupe::base::load_board_ptr load = nullptr) {
    troupe::pool::worker_pool_config cfg;
    cfg.load = std::move(load);
    cfg.node_name = "test-node";
    cfg.min_workers = cfg.max_workers = workers;
    cfg.queue_capacity = queue_capacity;
    cfg.default_timeout = 60s;
    auto pool = sys().spawn(troupe::pool::worker_pool, std::move(skill), cfg);
    stop_at_end(pool);
    return pool;
  }

  void submit(const worker_pool_actor& pool, job j) {
    caf::anon_send(pool, std::move(j), rec.handle());
  }

  skill_info status(const worker_pool_actor& pool) {
    auto info = ask<skill_info>(pool, troupe::atom::status::value);
    return info ? *info : skill_info{};
  }

  /// Runs the pool and the recorder only: workers receive their jobs but do
  /// not run them, so they stay busy.
  void run_pool_only(const worker_pool_actor& pool) {
    run_only({resumable_of(pool), resumable_of(rec.handle())});
  }

  result_recorder rec;
};

TEST_F(WorkerPool, RunsAJobAndAnswersItsSubmitter) {
  auto pool = spawn_pool(echo_skill());
  submit(pool, make_job(7, "echo", "hello"));
  run();
  ASSERT_EQ(rec.count(7), 1u);
  auto r = *rec.find(7);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.output, "hello");
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.skill, "echo");
  EXPECT_EQ(r.node, "test-node");
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(rec.results().size(), 1u);
}

TEST_F(WorkerPool, SkillErrorsAndExceptionsBecomeSkillError) {
  auto skill = make_skill("picky", [](const std::string& in) -> skill_output {
    if (in == "throw")
      throw std::runtime_error("bad day");
    if (in == "fail")
      return troupe::skills::skill_output::failure(job_status::skill_error,
                                                   "no thanks");
    return troupe::skills::skill_output::success("fine");
  });
  auto pool = spawn_pool(skill);
  submit(pool, make_job(1, "picky", "fail"));
  submit(pool, make_job(2, "picky", "throw"));
  submit(pool, make_job(3, "picky", "ok"));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_EQ(rec.find(1)->error, "no thanks");
  EXPECT_TRUE(rec.find(1)->output.empty());
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::skill_error);
  EXPECT_NE(rec.find(2)->error.find("bad day"), std::string::npos)
    << rec.find(2)->error;
  // An exception does not kill the worker.
  ASSERT_EQ(rec.count(3), 1u);
  EXPECT_EQ(rec.find(3)->status, job_status::ok);
  EXPECT_EQ(status(pool).worker_restarts, 0u);
}

TEST_F(WorkerPool, RunsJobsInArrivalOrderWithOneWorker) {
  auto order = std::make_shared<std::vector<std::string>>();
  auto skill = make_skill("record", [order](const std::string& in) {
    order->push_back(in);
    return troupe::skills::skill_output::success(in);
  });
  auto pool = spawn_pool(skill, 1);
  for (uint64_t id = 1; id <= 5; ++id)
    submit(pool, make_job(id, "record", std::to_string(id)));
  run();
  EXPECT_EQ(*order, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  ASSERT_EQ(rec.results().size(), 5u);
  for (uint64_t id = 1; id <= 5; ++id) {
    EXPECT_EQ(rec.count(id), 1u);
    EXPECT_EQ(rec.results()[id - 1].id, id);
    EXPECT_EQ(rec.results()[id - 1].output, std::to_string(id));
  }
}

TEST_F(WorkerPool, FullQueueAnswersOverloadedImmediately) {
  auto pool = spawn_pool(echo_skill(), 1, 2);
  for (uint64_t id = 1; id <= 4; ++id)
    submit(pool, make_job(id, "echo", std::to_string(id)));
  // Job 1 occupies the worker (which does not run yet), jobs 2 and 3 fill
  // the queue: job 4 is refused before any job ran.
  run_pool_only(pool);
  ASSERT_EQ(rec.count(4), 1u);
  auto r = *rec.find(4);
  EXPECT_EQ(r.status, job_status::overloaded);
  EXPECT_NE(r.error.find("queue is full"), std::string::npos) << r.error;
  EXPECT_EQ(r.node, "test-node");
  EXPECT_EQ(r.skill, "echo");
  EXPECT_EQ(rec.results().size(), 1u);
  run();
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(rec.count(id), 1u) << "job " << id;
    EXPECT_EQ(rec.find(id)->status, job_status::ok);
  }
  EXPECT_EQ(rec.count(4), 1u);
  // Once the queue drained, jobs are accepted again.
  submit(pool, make_job(5, "echo"));
  run();
  ASSERT_EQ(rec.count(5), 1u);
  EXPECT_EQ(rec.find(5)->status, job_status::ok);
}

TEST_F(WorkerPool, StatusReportsLoad) {
  auto pool = spawn_pool(echo_skill("loaded"), 1, 10);
  for (uint64_t id = 1; id <= 3; ++id)
    submit(pool, make_job(id, "loaded"));
  run_pool_only(pool);
  auto busy = start_request<skill_info>(pool, troupe::atom::status::value);
  run_only({resumable_of(pool), resumable_of(last_requester())});
  ASSERT_TRUE(busy->done);
  ASSERT_TRUE(busy->value);
  EXPECT_EQ(busy->value->busy, 1u);
  EXPECT_EQ(busy->value->queued, 2u);
  EXPECT_EQ(busy->value->in_flight, 3u);
  EXPECT_EQ(busy->value->workers, 1u);
  run();
  EXPECT_EQ(rec.results().size(), 3u);
  auto idle = status(pool);
  EXPECT_EQ(idle.busy, 0u);
  EXPECT_EQ(idle.queued, 0u);
  EXPECT_EQ(idle.in_flight, 0u);
}

TEST_F(WorkerPool, KeepsItsCountOnTheLoadBoardCurrent) {
  // Placement reads this count instead of a heartbeat's.
  auto board = std::make_shared<troupe::base::load_board>();
  auto count = board->counter_for("loaded");
  auto pool = spawn_pool(echo_skill("loaded"), 1, 10, board);
  for (uint64_t id = 1; id <= 3; ++id)
    submit(pool, make_job(id, "loaded"));
  run_pool_only(pool);
  EXPECT_EQ(count->load(), 3);
  run();
  EXPECT_EQ(rec.results().size(), 3u);
  EXPECT_EQ(count->load(), 0);
  // A pool that ends holding jobs takes its count back with it.
  for (uint64_t id = 4; id <= 5; ++id)
    submit(pool, make_job(id, "loaded"));
  run_pool_only(pool);
  EXPECT_EQ(count->load(), 2);
  caf::anon_send_exit(pool, caf::exit_reason::kill);
  run();
  EXPECT_EQ(count->load(), 0);
}

TEST_F(WorkerPool, StatusDescribesTheSkill) {
  auto pool = spawn_pool(echo_skill("described"), 3, 50);
  run();
  auto info = status(pool);
  EXPECT_EQ(info.name, "described");
  EXPECT_EQ(info.version, "3");
  EXPECT_EQ(info.description, "test skill described");
  EXPECT_FALSE(info.blocking);
  EXPECT_EQ(info.workers, 3u);
  EXPECT_EQ(info.busy, 0u);
  EXPECT_EQ(info.queued, 0u);
  EXPECT_EQ(info.queue_capacity, 50u);
  EXPECT_EQ(info.in_flight, 0u);
  EXPECT_EQ(info.worker_restarts, 0u);
}

TEST_F(WorkerPool, JobThatWaitsInTheQueuePastItsDeadlineTimesOut) {
  auto pool = spawn_pool(echo_skill(), 1);
  submit(pool, make_job(1, "echo", "first"));
  auto j = make_job(2, "echo", "second");
  j.options.timeout = 100ms;
  submit(pool, std::move(j));
  // Job 1 holds the only worker; job 2 waits in the queue.
  run_pool_only(pool);
  EXPECT_TRUE(rec.results().empty());
  sched().advance_time(200ms);
  run_pool_only(pool);
  ASSERT_EQ(rec.count(2), 1u);
  auto r = *rec.find(2);
  EXPECT_EQ(r.status, job_status::timeout);
  EXPECT_NE(r.error.find("queue"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("100 ms"), std::string::npos) << r.error;
  EXPECT_EQ(rec.count(1), 0u);
  // The running job is unaffected and the timed-out one is never run.
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::ok);
  EXPECT_EQ(rec.count(2), 1u);
  auto info = status(pool);
  EXPECT_EQ(info.queued, 0u);
  EXPECT_EQ(info.in_flight, 0u);
}

TEST_F(WorkerPool, JobThatRunsPastItsDeadlineTimesOutAndItsWorkerIsReplaced) {
  auto calls = std::make_shared<int>(0);
  auto skill = make_skill("counted", [calls](const std::string& in) {
    ++*calls;
    return troupe::skills::skill_output::success(in);
  });
  auto pool = spawn_pool(skill, 1);
  auto j = make_job(1, "counted", "late");
  j.options.timeout = 50ms;
  submit(pool, std::move(j));
  // The job is handed to the worker, which does not get to run it in time.
  run_pool_only(pool);
  sched().advance_time(100ms);
  run_pool_only(pool);
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::timeout);
  EXPECT_NE(rec.find(1)->error.find("did not finish within 50 ms"),
            std::string::npos)
    << rec.find(1)->error;
  run();
  // Whatever the abandoned worker still does, the job keeps its one result.
  EXPECT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::timeout);
  // A replacement worker serves the next job.
  submit(pool, make_job(2, "counted", "next"));
  run();
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
  EXPECT_EQ(rec.find(2)->output, "next");
  auto info = status(pool);
  EXPECT_EQ(info.workers, 1u);
  EXPECT_EQ(info.busy, 0u);
  EXPECT_EQ(info.in_flight, 0u);
}

TEST_F(WorkerPool, DefaultTimeoutAppliesToJobsWithoutOne) {
  auto pool = spawn_pool(echo_skill(), 1);
  submit(pool, make_job(1, "echo", "a"));
  submit(pool, make_job(2, "echo", "b"));
  run_pool_only(pool);
  sched().advance_time(59s);
  run_pool_only(pool);
  EXPECT_TRUE(rec.results().empty());
  sched().advance_time(2s);
  run_pool_only(pool);
  ASSERT_EQ(rec.count(1), 1u);
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::timeout);
  EXPECT_EQ(rec.find(2)->status, job_status::timeout);
  run();
  EXPECT_EQ(rec.results().size(), 2u);
}

TEST_F(WorkerPool, CrashOfNonIdempotentSkillFailsTheJobAndReplacesTheWorker) {
  auto skill = make_skill(
    "fragile",
    [](const std::string& in) -> skill_output {
      if (in == "crash")
        return troupe::skills::skill_output::crash();
      return troupe::skills::skill_output::success(in);
    },
    /*idempotent=*/false, /*max_attempts=*/3);
  auto pool = spawn_pool(skill, 2);
  submit(pool, make_job(1, "fragile", "crash"));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  auto r = *rec.find(1);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_NE(r.error.find("crashed"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("not idempotent"), std::string::npos) << r.error;
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(r.node, "test-node");
  auto info = status(pool);
  EXPECT_EQ(info.worker_restarts, 1u);
  EXPECT_EQ(info.workers, 2u);
  EXPECT_EQ(info.busy, 0u);
  EXPECT_EQ(info.in_flight, 0u);
  // The pool survived and keeps serving.
  submit(pool, make_job(2, "fragile", "fine"));
  submit(pool, make_job(3, "fragile", "also fine"));
  run();
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
  EXPECT_EQ(rec.find(2)->output, "fine");
  ASSERT_EQ(rec.count(3), 1u);
  EXPECT_EQ(rec.find(3)->status, job_status::ok);
  EXPECT_EQ(rec.count(1), 1u);
}

TEST_F(WorkerPool, CrashedIdempotentJobIsRetried) {
  auto calls = std::make_shared<int>(0);
  auto skill = make_skill(
    "once-crashy",
    [calls](const std::string& in) -> skill_output {
      if (++*calls == 1)
        return troupe::skills::skill_output::crash();
      return troupe::skills::skill_output::success(in);
    },
    /*idempotent=*/true, /*max_attempts=*/2);
  auto pool = spawn_pool(skill, 1);
  submit(pool, make_job(1, "once-crashy", "payload"));
  run();
  EXPECT_EQ(*calls, 2);
  ASSERT_EQ(rec.count(1), 1u);
  auto r = *rec.find(1);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.output, "payload");
  EXPECT_EQ(r.attempts, 2u);
  auto info = status(pool);
  EXPECT_EQ(info.worker_restarts, 1u);
  EXPECT_EQ(info.workers, 1u);
}

TEST_F(WorkerPool, IdempotentJobThatKeepsCrashingStopsAtMaxAttempts) {
  auto calls = std::make_shared<int>(0);
  auto skill = make_skill(
    "always-crashy",
    [calls](const std::string&) -> skill_output {
      ++*calls;
      return troupe::skills::skill_output::crash();
    },
    /*idempotent=*/true, /*max_attempts=*/3);
  auto pool = spawn_pool(skill, 1);
  submit(pool, make_job(1, "always-crashy"));
  run();
  EXPECT_EQ(*calls, 3);
  ASSERT_EQ(rec.count(1), 1u);
  auto r = *rec.find(1);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_NE(r.error.find("crashed"), std::string::npos) << r.error;
  EXPECT_EQ(r.attempts, 3u);
  EXPECT_EQ(status(pool).worker_restarts, 3u);
}

TEST_F(WorkerPool, AThrowOfSomethingElseThanAnExceptionIsACrash) {
  // Real code may throw anything; only std::exception leaves the worker
  // alive.
  auto skill = make_skill(
    "wild",
    [](const std::string& in) -> skill_output {
      if (in == "int")
        throw 7;
      return troupe::skills::skill_output::success(in);
    },
    /*idempotent=*/false);
  auto pool = spawn_pool(skill, 1);
  submit(pool, make_job(1, "wild", "int"));
  submit(pool, make_job(2, "wild", "fine"));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_NE(rec.find(1)->error.find("not a std::exception"), std::string::npos)
    << rec.find(1)->error;
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
  EXPECT_EQ(status(pool).worker_restarts, 1u);
}

TEST_F(WorkerPool, JobCanAskForFewerAttemptsThanTheSkill) {
  auto calls = std::make_shared<int>(0);
  auto skill = make_skill(
    "crashy",
    [calls](const std::string&) -> skill_output {
      ++*calls;
      return troupe::skills::skill_output::crash();
    },
    /*idempotent=*/true, /*max_attempts=*/5);
  auto pool = spawn_pool(skill, 1);
  auto j = make_job(1, "crashy");
  j.options.max_attempts = 1;
  submit(pool, std::move(j));
  run();
  EXPECT_EQ(*calls, 1);
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_EQ(rec.find(1)->attempts, 1u);
}

TEST_F(WorkerPool, ManyJobsOverSeveralWorkersEachGetOneResult) {
  auto pool = spawn_pool(echo_skill(), 3, 1000);
  for (uint64_t id = 1; id <= 50; ++id)
    submit(pool, make_job(id, "echo", std::to_string(id)));
  run();
  ASSERT_EQ(rec.results().size(), 50u);
  for (uint64_t id = 1; id <= 50; ++id) {
    ASSERT_EQ(rec.count(id), 1u) << "job " << id;
    EXPECT_EQ(rec.find(id)->output, std::to_string(id));
  }
}

TEST_F(WorkerPool, SubmittersIdsMayRepeatAcrossSubmitters) {
  // The pool tracks jobs by its own tickets, so two jobs with the same
  // client id both get their result.
  auto pool = spawn_pool(echo_skill(), 1);
  submit(pool, make_job(5, "echo", "a"));
  submit(pool, make_job(5, "echo", "b"));
  run();
  ASSERT_EQ(rec.count(5), 2u);
  EXPECT_EQ(rec.results()[0].output, "a");
  EXPECT_EQ(rec.results()[1].output, "b");
}

} // namespace

namespace {

std::shared_ptr<const troupe::skills::skill_definition>
in_pool_skill(std::string name, troupe::skills::skill_function fn,
              bool idempotent = true, uint32_t max_attempts = 2) {
  auto def = std::make_shared<troupe::skills::skill_definition>(
    *make_skill(std::move(name), std::move(fn), idempotent, max_attempts));
  def->mode = troupe::skills::skill_mode::in_pool;
  return def;
}

TEST_F(WorkerPool, InPoolSkillRunsWithoutWorkerActors) {
  auto pool = spawn_pool(
    in_pool_skill("inl",
                  [](const std::string& in) {
                    return troupe::skills::skill_output::success(in + "!");
                  }),
    4);
  for (uint64_t id = 1; id <= 5; ++id)
    submit(pool, make_job(id, "inl", std::to_string(id)));
  // Only the pool and the recorder run: no worker is involved.
  run_pool_only(pool);
  ASSERT_EQ(rec.results().size(), 5u);
  for (uint64_t id = 1; id <= 5; ++id) {
    auto r = rec.find(id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, job_status::ok);
    EXPECT_EQ(r->output, std::to_string(id) + "!");
    EXPECT_EQ(r->attempts, 1u);
  }
  auto info = status(pool);
  EXPECT_EQ(info.workers, 1u);
  EXPECT_FALSE(info.blocking);
  EXPECT_EQ(info.in_flight, 0u);
}

TEST_F(WorkerPool, InPoolCrashIsRetriedWhenIdempotent) {
  auto calls = std::make_shared<int>(0);
  auto pool = spawn_pool(in_pool_skill("once", [calls](const std::string& in) {
    if ((*calls)++ == 0)
      return troupe::skills::skill_output::crash();
    return troupe::skills::skill_output::success(in);
  }));
  submit(pool, make_job(7, "once", "x"));
  run();
  ASSERT_EQ(rec.count(7), 1u);
  auto r = rec.find(7);
  EXPECT_EQ(r->status, job_status::ok);
  EXPECT_EQ(r->attempts, 2u);
  EXPECT_EQ(status(pool).worker_restarts, 1u);
}

TEST_F(WorkerPool, InPoolCrashOfNonIdempotentSkillFailsOnlyThatJob) {
  auto pool = spawn_pool(in_pool_skill(
    "boom",
    [](const std::string& in) -> troupe::skills::skill_output {
      if (in == "crash")
        return troupe::skills::skill_output::crash();
      return troupe::skills::skill_output::success(in);
    },
    false));
  submit(pool, make_job(1, "boom", "crash"));
  submit(pool, make_job(2, "boom", "fine"));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_NE(rec.find(1)->error.find("not idempotent"), std::string::npos);
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
}

} // namespace
