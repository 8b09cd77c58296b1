// The worker pool's scheduling, message by message on the deterministic
// coordinator: priorities and aging, elastic growth and retirement,
// cancellation of queued and running jobs, the node-wide in-flight bound.
// The same decisions without an actor: pool_schedule_test.cpp.
#include "actors/pool/in_flight_limit.hpp"
#include "actors/pool/worker_pool.hpp"
#include "messages/atoms.hpp"
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
using troupe::test::make_job;
using troupe::test::make_skill;
using troupe::test::result_recorder;
using troupe::test::resumable_of;

class PoolScheduling : public troupe::test::actor_test {
 public:
  PoolScheduling()
      : rec(sys()), order(std::make_shared<std::vector<std::string>>()) {
    cfg.node_name = "test-node";
    cfg.min_workers = cfg.max_workers = 1;
    cfg.queue_capacity = 100;
    cfg.default_timeout = 60s;
  }

  // A skill that records the inputs it ran, in order.
  std::shared_ptr<const troupe::skills::skill_definition> recording_skill() {
    auto seen = order;
    return make_skill("rec", [seen](const std::string& in) {
      seen->push_back(in);
      return troupe::skills::skill_output::success(in);
    });
  }

  worker_pool_actor spawn_pool() {
    auto pool = sys().spawn(troupe::pool::worker_pool, recording_skill(), cfg);
    stop_at_end(pool);
    return pool;
  }

  void submit(const worker_pool_actor& pool, const std::string& input,
              int32_t priority = 0, uint64_t id = 0) {
    auto j = make_job(id != 0 ? id : next_id++, "rec", input);
    j.options.priority = priority;
    caf::anon_send(pool, std::move(j), rec.handle());
  }

  skill_info status(const worker_pool_actor& pool) {
    auto info = ask<skill_info>(pool, troupe::atom::status::value);
    return info ? *info : skill_info{};
  }

  /// Lets the pool take its messages while its workers do not run.
  void run_pool_only(const worker_pool_actor& pool) {
    run_only({resumable_of(pool), resumable_of(rec.handle())});
  }

  troupe::pool::worker_pool_config cfg;
  result_recorder rec;
  std::shared_ptr<std::vector<std::string>> order;
  uint64_t next_id = 1;
};

TEST_F(PoolScheduling, HigherPriorityDequeuesFirstAndEqualPriorityIsFifo) {
  auto pool = spawn_pool();
  submit(pool, "busy");
  run_pool_only(pool); // "busy" holds the only worker
  submit(pool, "a", 1);
  submit(pool, "b", 5);
  submit(pool, "c", 3);
  submit(pool, "d", 5);
  submit(pool, "e", -2);
  run_pool_only(pool);
  run();
  EXPECT_EQ(*order,
            (std::vector<std::string>{"busy", "b", "d", "c", "a", "e"}));
  EXPECT_EQ(rec.results().size(), 6u);
}

TEST_F(PoolScheduling, AWaitingLowPriorityJobAgesPastNewerHighPriorityOnes) {
  cfg.priority_aging = 1s;
  auto pool = spawn_pool();
  submit(pool, "busy");
  run_pool_only(pool);
  submit(pool, "old-low", 0);
  run_pool_only(pool);
  // Ten seconds of waiting count as ten levels: more than the newcomer's 5.
  sched().advance_time(10s);
  submit(pool, "new-high", 5);
  run_pool_only(pool);
  run();
  EXPECT_EQ(*order, (std::vector<std::string>{"busy", "old-low", "new-high"}));
}

TEST_F(PoolScheduling, WithoutEnoughWaitingPriorityWins) {
  cfg.priority_aging = 1s;
  auto pool = spawn_pool();
  submit(pool, "busy");
  run_pool_only(pool);
  submit(pool, "old-low", 0);
  run_pool_only(pool);
  sched().advance_time(2s);
  submit(pool, "new-high", 5);
  run_pool_only(pool);
  run();
  EXPECT_EQ(*order, (std::vector<std::string>{"busy", "new-high", "old-low"}));
}

TEST_F(PoolScheduling, ElasticPoolGrowsWithItsQueueUpToItsMaximum) {
  cfg.min_workers = 1;
  cfg.max_workers = 3;
  cfg.idle_timeout = 5s;
  auto pool = spawn_pool();
  run();
  EXPECT_EQ(status(pool).workers, 1u);
  for (int i = 0; i < 5; ++i)
    submit(pool, "job" + std::to_string(i));
  run_pool_only(pool);
  auto busy = start_request<skill_info>(pool, troupe::atom::status::value);
  run_only({resumable_of(pool), resumable_of(last_requester())});
  ASSERT_TRUE(busy->value);
  EXPECT_EQ(busy->value->workers, 3u);
  EXPECT_EQ(busy->value->busy, 3u);
  EXPECT_EQ(busy->value->queued, 2u);
  EXPECT_EQ(busy->value->min_workers, 1u);
  EXPECT_EQ(busy->value->max_workers, 3u);
  run();
  EXPECT_EQ(rec.results().size(), 5u);
  EXPECT_EQ(status(pool).workers, 3u);
}

TEST_F(PoolScheduling, IdleWorkersAboveTheMinimumRetireAfterTheIdleTimeout) {
  cfg.min_workers = 1;
  cfg.max_workers = 3;
  cfg.idle_timeout = 5s;
  auto pool = spawn_pool();
  for (int i = 0; i < 3; ++i)
    submit(pool, "job" + std::to_string(i));
  run();
  EXPECT_EQ(status(pool).workers, 3u);
  advance(4s);
  EXPECT_EQ(status(pool).workers, 3u);
  advance(2s);
  auto info = status(pool);
  EXPECT_EQ(info.workers, 1u);
  EXPECT_EQ(info.idle, 1u);
  // The pool still serves, and grows again when needed.
  submit(pool, "later");
  run();
  EXPECT_EQ(rec.results().size(), 4u);
}

TEST_F(PoolScheduling, APoolWithMinimumZeroStartsWorkersOnlyForJobs) {
  cfg.min_workers = 0;
  cfg.max_workers = 2;
  cfg.idle_timeout = 1s;
  auto pool = spawn_pool();
  run();
  EXPECT_EQ(status(pool).workers, 0u);
  submit(pool, "x");
  run();
  ASSERT_EQ(rec.results().size(), 1u);
  EXPECT_EQ(rec.results()[0].status, job_status::ok);
  advance(2s);
  EXPECT_EQ(status(pool).workers, 0u);
}

TEST_F(PoolScheduling, CancellingAnswersQueuedAndRunningJobsOfThatSinkOnly) {
  auto pool = spawn_pool();
  result_recorder other{sys()};
  submit(pool, "running", 0, 1);
  run_pool_only(pool);
  submit(pool, "queued", 0, 2);
  // The same id from another submitter is a different job.
  caf::anon_send(pool, make_job(2, "rec", "theirs"), other.handle());
  run_pool_only(pool);
  caf::anon_send(pool, troupe::atom::cancel::value,
                 std::vector<uint64_t>{1, 2, 99}, rec.handle());
  run_pool_only(pool);
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::cancelled);
  EXPECT_NE(rec.find(1)->error.find("while running"), std::string::npos);
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::cancelled);
  EXPECT_NE(rec.find(2)->error.find("while queued"), std::string::npos);
  run();
  // The worker's late result is dropped; the queued job never ran; the
  // other submitter's job did.
  EXPECT_EQ(rec.results().size(), 2u);
  EXPECT_EQ(*order, (std::vector<std::string>{"running", "theirs"}));
  ASSERT_EQ(other.count(2), 1u);
  EXPECT_EQ(other.find(2)->status, job_status::ok);
  auto info = status(pool);
  EXPECT_EQ(info.queued, 0u);
  EXPECT_EQ(info.in_flight, 0u);
  EXPECT_EQ(info.busy, 0u);
}

TEST_F(PoolScheduling, TheNodeWideBoundCountsTheJobsOfAllPools) {
  cfg.node_limit = std::make_shared<troupe::pool::in_flight_limit>(2);
  auto a = spawn_pool();
  auto b = spawn_pool();
  submit(a, "a1", 0, 1);
  submit(a, "a2", 0, 2);
  run_pool_only(a);
  submit(b, "b1", 0, 3);
  run_pool_only(b);
  ASSERT_EQ(rec.count(3), 1u);
  EXPECT_EQ(rec.find(3)->status, job_status::overloaded);
  EXPECT_NE(rec.find(3)->error.find("max-in-flight"), std::string::npos)
    << rec.find(3)->error;
  run();
  EXPECT_EQ(cfg.node_limit->current(), 0u);
  submit(b, "b2", 0, 4);
  run();
  ASSERT_EQ(rec.count(4), 1u);
  EXPECT_EQ(rec.find(4)->status, job_status::ok);
}

TEST_F(PoolScheduling, AJobPastItsDeadlineWhenAWorkerFreesUpNeverRuns) {
  auto pool = spawn_pool();
  submit(pool, "busy");
  run_pool_only(pool);
  auto j = make_job(50, "rec", "late");
  j.options.timeout = 100ms;
  caf::anon_send(pool, std::move(j), rec.handle());
  run_pool_only(pool);
  sched().advance_time(200ms);
  run();
  ASSERT_EQ(rec.count(50), 1u);
  EXPECT_EQ(rec.find(50)->status, job_status::timeout);
  EXPECT_EQ(*order, (std::vector<std::string>{"busy"}));
}

} // namespace
