// The worker pool's scheduling as plain logic, without an actor system:
// tickets and the queue, deadlines, the idle list, sizing, attempts and the
// backoff of failing starts. The pool actor that carries these decisions out
// is tested in pool_scheduling_test.cpp and worker_pool_test.cpp.
#include "actors/pool/pool_schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::job;
using troupe::result_sink_actor;
using troupe::pool::pool_schedule;
using troupe::pool::schedule_limits;
using time_point = pool_schedule::time_point;
using lost_outcome = pool_schedule::lost_outcome;

job make_job(uint64_t id, int32_t priority = 0,
             caf::timespan timeout = caf::timespan{0}) {
  job j;
  j.id = id;
  j.skill = "s";
  j.input = std::to_string(id);
  j.options.priority = priority;
  j.options.timeout = timeout;
  return j;
}

class PoolSchedule : public ::testing::Test {
 public:
  PoolSchedule() {
    limits.min_workers = 1;
    limits.max_workers = 1;
    limits.queue_capacity = 10;
    limits.default_timeout = 60s;
    limits.idle_timeout = 5s;
  }

  pool_schedule make() {
    return pool_schedule{limits};
  }

  uint64_t submit(pool_schedule& s, uint64_t id, int32_t priority = 0,
                  caf::timespan timeout = caf::timespan{0}) {
    auto j = make_job(id, priority, timeout);
    auto deadline = s.deadline_for(j, now);
    return s.push(std::move(j), result_sink_actor{}, now, deadline);
  }

  // Starts `n` ready workers; returns their ids.
  std::vector<uint64_t> add_workers(pool_schedule& s, size_t n) {
    std::vector<uint64_t> ids;
    for (size_t i = 0; i < n; ++i) {
      ids.push_back(s.next_worker_id());
      s.add_worker(ids.back(), true, now);
    }
    return ids;
  }

  // Pairs every job it can; returns the client ids of the jobs started.
  std::vector<uint64_t> assign_all(pool_schedule& s) {
    std::vector<uint64_t> started;
    pool_schedule::assignment a;
    while (s.next_assignment(now, a)) {
      EXPECT_FALSE(a.expired);
      started.push_back(s.find(a.ticket)->j.id);
    }
    return started;
  }

  // What `end_run` says about the end of a run.
  struct run_end {
    bool valid = false;
    bool answered = false;
    bool recycle = false;
    time_point retire_at;
  };

  run_end end_run(pool_schedule& s, uint64_t id, uint64_t ticket) {
    run_end x;
    x.valid = s.end_run(id, ticket, now, x.answered, x.recycle, x.retire_at);
    return x;
  }

  void answer(pool_schedule& s, uint64_t ticket) {
    EXPECT_TRUE(s.take(ticket, [](pool_schedule::pending_job&) {}));
  }

  schedule_limits limits;
  time_point now{};
};

TEST_F(PoolSchedule, JobsRunByPriorityThenArrivalOnIdleWorkers) {
  limits.max_workers = 2;
  auto s = make();
  submit(s, 1, 1);
  submit(s, 2, 5);
  submit(s, 3, 3);
  submit(s, 4, 5);
  EXPECT_EQ(s.queued(), 4u);
  add_workers(s, 2);
  EXPECT_EQ(assign_all(s), (std::vector<uint64_t>{2, 4}));
  EXPECT_EQ(s.queued(), 2u);
  EXPECT_EQ(s.busy(), 2u);
  EXPECT_EQ(s.idle(), 0u);
  EXPECT_EQ(s.jobs().size(), 4u);
}

TEST_F(PoolSchedule, TheMostRecentlyIdleWorkerTakesTheNextJob) {
  limits.max_workers = 3;
  auto s = make();
  auto ids = add_workers(s, 3);
  auto ticket = submit(s, 1);
  pool_schedule::assignment a;
  ASSERT_TRUE(s.next_assignment(now, a));
  // The others idle longer and retire first.
  EXPECT_EQ(a.worker, ids.back());
  EXPECT_EQ(a.ticket, ticket);
  EXPECT_EQ(s.find(ticket)->worker, ids.back());
  EXPECT_EQ(s.find(ticket)->attempts, 1u);
}

TEST_F(PoolSchedule, AJobPastItsDeadlineComesBackExpiredInsteadOfRunning) {
  auto s = make();
  auto ticket = submit(s, 1, 0, 100ms);
  add_workers(s, 1);
  now += 200ms;
  pool_schedule::assignment a;
  ASSERT_TRUE(s.next_assignment(now, a));
  EXPECT_TRUE(a.expired);
  EXPECT_EQ(a.ticket, ticket);
  EXPECT_EQ(s.idle(), 1u);
  answer(s, ticket);
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_FALSE(s.next_assignment(now, a));
}

TEST_F(PoolSchedule, DeadlinesComeDueInOrderOnlyForJobsStillHeld) {
  auto s = make();
  auto t1 = submit(s, 1, 0, 3s);
  auto t2 = submit(s, 2, 0, 1s);
  auto t3 = submit(s, 3, 0, 2s);
  EXPECT_EQ(s.next_deadline(), now + 1s);
  answer(s, t3);
  std::vector<uint64_t> due;
  s.pop_due(now + 2500ms, [&](uint64_t t) {
    due.push_back(t);
  });
  EXPECT_EQ(due, (std::vector<uint64_t>{t2}));
  EXPECT_EQ(s.next_deadline(), now + 3s);
  (void)t1;
}

TEST_F(PoolSchedule, TimeoutsAreTheJobsOwnOrTheDefaultCappedAtTheMaximum) {
  auto s = make();
  EXPECT_EQ(s.deadline_for(make_job(1), now), now + 60s);
  EXPECT_EQ(s.deadline_for(make_job(1, 0, 2s), now), now + 2s);
  EXPECT_EQ(s.deadline_for(make_job(1, 0, troupe::max_job_timeout * 2), now),
            now + troupe::max_job_timeout);
}

TEST_F(PoolSchedule, ADeadlineSetAtIngressIsKeptNotDerivedAgain) {
  auto s = make();
  // The router set the deadline when the job came in; the job then waited
  // (held for a view, behind a breaker): arriving later does not extend it.
  auto j = make_job(1, 0, 2s);
  troupe::set_deadline(j, now, 60s);
  EXPECT_EQ(j.options.deadline, now + 2s);
  EXPECT_EQ(s.deadline_for(j, now + 1s), now + 2s);
  auto k = make_job(2);
  troupe::set_deadline(k, now, 7s);
  EXPECT_EQ(s.deadline_for(k, now + 3s), now + 7s);
  // Set once: setting it again keeps the first.
  troupe::set_deadline(k, now + 5s, 60s);
  EXPECT_EQ(k.options.deadline, now + 7s);
}

TEST_F(PoolSchedule, TheQueueIsFullAtItsCapacityOfWaitingJobs) {
  limits.queue_capacity = 2;
  auto s = make();
  submit(s, 1);
  EXPECT_FALSE(s.full());
  submit(s, 2);
  EXPECT_TRUE(s.full());
  add_workers(s, 1);
  assign_all(s);
  // A running job leaves room.
  EXPECT_FALSE(s.full());
}

TEST_F(PoolSchedule, SizingStartsTheMinimumThenWorkersForUncoveredJobs) {
  limits.min_workers = 1;
  limits.max_workers = 3;
  auto s = make();
  auto retry = time_point{};
  EXPECT_EQ(s.workers_to_start(now, retry), 1u);
  EXPECT_EQ(retry, time_point::max());
  add_workers(s, 1);
  EXPECT_EQ(s.workers_to_start(now, retry), 0u);
  for (uint64_t id = 1; id <= 5; ++id)
    submit(s, id);
  // One job is covered by the idle worker; two more workers at most.
  EXPECT_EQ(s.workers_to_start(now, retry), 2u);
  // A starting worker covers a job too.
  s.add_worker(s.next_worker_id(), false, now);
  EXPECT_EQ(s.starting(), 1u);
  EXPECT_EQ(s.workers_to_start(now, retry), 1u);
}

TEST_F(PoolSchedule, AStartingWorkerTakesJobsOnceReady) {
  auto s = make();
  auto id = s.next_worker_id();
  s.add_worker(id, false, now);
  submit(s, 1);
  pool_schedule::assignment a;
  EXPECT_FALSE(s.next_assignment(now, a));
  auto retire_at = time_point{};
  ASSERT_TRUE(s.worker_ready(id, now, retire_at));
  EXPECT_EQ(retire_at, time_point::max()); // at the minimum
  EXPECT_FALSE(s.worker_ready(id, now, retire_at));
  EXPECT_EQ(s.starting(), 0u);
  EXPECT_EQ(assign_all(s), (std::vector<uint64_t>{1}));
}

TEST_F(PoolSchedule, IdleWorkersAboveTheMinimumRetireOldestFirst) {
  limits.min_workers = 1;
  limits.max_workers = 3;
  auto s = make();
  auto ids = add_workers(s, 2);
  now += 2s;
  ids.push_back(s.next_worker_id());
  EXPECT_EQ(s.add_worker(ids.back(), true, now), now + 5s);
  std::vector<uint64_t> retired;
  auto retire = [&](uint64_t id) {
    retired.push_back(id);
  };
  EXPECT_EQ(s.retire_idle(now + 2s, retire), now - 2s + 5s);
  EXPECT_TRUE(retired.empty());
  // The two oldest are due; the third stays, as the minimum.
  EXPECT_EQ(s.retire_idle(now + 10s, retire), time_point::max());
  EXPECT_EQ(retired, (std::vector<uint64_t>{ids[0], ids[1]}));
  EXPECT_EQ(s.workers(), 1u);
  EXPECT_EQ(s.idle(), 1u);
}

TEST_F(PoolSchedule, AnEndedRunFreesTheWorkerAndStaleEndsAreIgnored) {
  auto s = make();
  auto id = add_workers(s, 1)[0];
  auto ticket = submit(s, 1);
  assign_all(s);
  EXPECT_FALSE(end_run(s, id, ticket + 1).valid);
  auto x = end_run(s, id, ticket);
  ASSERT_TRUE(x.valid);
  EXPECT_FALSE(x.answered);
  EXPECT_FALSE(x.recycle);
  EXPECT_EQ(s.busy(), 0u);
  EXPECT_EQ(s.idle(), 1u);
  EXPECT_EQ(s.find_worker(id)->jobs_done, 1u);
  EXPECT_FALSE(end_run(s, id, ticket).valid);
}

TEST_F(PoolSchedule, AWorkerIsRecycledAfterItsNumberOfJobs) {
  limits.recycle_after = 2;
  auto s = make();
  auto id = add_workers(s, 1)[0];
  run_end x;
  for (uint64_t n = 1; n <= 2; ++n) {
    auto ticket = submit(s, n);
    assign_all(s);
    x = end_run(s, id, ticket);
    ASSERT_TRUE(x.valid);
    answer(s, ticket);
  }
  EXPECT_TRUE(x.recycle);
  EXPECT_EQ(s.workers(), 0u);
  EXPECT_EQ(s.find_worker(id), nullptr);
}

TEST_F(PoolSchedule, AnAbandonedRunKeepsItsWorkerBusyUntilItEnds) {
  auto s = make();
  auto id = add_workers(s, 1)[0];
  auto ticket = submit(s, 1);
  assign_all(s);
  answer(s, ticket);
  s.find_worker(id)->answered = true;
  EXPECT_EQ(s.busy(), 1u);
  auto x = end_run(s, id, ticket);
  ASSERT_TRUE(x.valid);
  EXPECT_TRUE(x.answered);
  EXPECT_EQ(s.busy(), 0u);
}

TEST_F(PoolSchedule, AReleasedWorkerIsFreeAtOnce) {
  auto s = make();
  auto id = add_workers(s, 1)[0];
  submit(s, 1);
  submit(s, 2);
  EXPECT_EQ(assign_all(s), (std::vector<uint64_t>{1}));
  s.release(id, now);
  EXPECT_EQ(s.find_worker(id)->ticket, 0u);
  EXPECT_EQ(assign_all(s), (std::vector<uint64_t>{2}));
}

TEST_F(PoolSchedule, ALostAttemptIsRetriedAtItsOldPlaceWhileAttemptsRemain) {
  limits.max_attempts = 2;
  limits.max_workers = 2;
  auto s = make();
  auto ids = add_workers(s, 1);
  auto first = submit(s, 1);
  assign_all(s);
  submit(s, 2);
  auto w = s.remove_worker(ids[0]);
  EXPECT_EQ(w.ticket, first);
  EXPECT_EQ(s.busy(), 0u);
  EXPECT_EQ(s.lost_attempt(first, true), lost_outcome::requeued);
  EXPECT_EQ(s.queued(), 2u);
  add_workers(s, 1);
  // It kept its place ahead of the later job.
  EXPECT_EQ(assign_all(s), (std::vector<uint64_t>{1}));
  EXPECT_EQ(s.find(first)->attempts, 2u);
  EXPECT_EQ(s.lost_attempt(first, true), lost_outcome::failed);
  EXPECT_EQ(s.lost_attempt(first + 100, true), lost_outcome::gone);
}

TEST_F(PoolSchedule, NonIdempotentJobsAreNotRetriedButUntakenOnesRequeue) {
  limits.idempotent = false;
  auto s = make();
  auto id = add_workers(s, 1)[0];
  auto ticket = submit(s, 1);
  assign_all(s);
  s.remove_worker(id);
  // The worker never took the job: no attempt was made.
  EXPECT_EQ(s.lost_attempt(ticket, false), lost_outcome::requeued);
  EXPECT_EQ(s.find(ticket)->attempts, 0u);
  EXPECT_EQ(s.find(ticket)->started, time_point{});
  id = add_workers(s, 1)[0];
  assign_all(s);
  s.remove_worker(id);
  EXPECT_EQ(s.lost_attempt(ticket, true), lost_outcome::failed);
  // A failed job is still held (not queued) until the caller answers it.
  EXPECT_EQ(s.queued(), 0u);
  answer(s, ticket);
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_TRUE(s.jobs().empty());
}

TEST_F(PoolSchedule, AJobMayAskForFewerAttemptsThanTheSkill) {
  limits.max_attempts = 5;
  auto s = make();
  auto j = make_job(1);
  EXPECT_EQ(s.attempts_allowed(j), 5u);
  j.options.max_attempts = 2;
  EXPECT_EQ(s.attempts_allowed(j), 2u);
  j.options.max_attempts = 9;
  EXPECT_EQ(s.attempts_allowed(j), 5u);
}

TEST_F(PoolSchedule, FailingStartsBackOffAndEndInCannotStart) {
  limits.min_workers = 1;
  limits.first_job_proves_start = true;
  auto s = make();
  auto retry = time_point{};
  EXPECT_EQ(s.start_failed("exit 1", now), now + 100ms);
  EXPECT_EQ(s.workers_to_start(now, retry), 0u);
  EXPECT_EQ(retry, now + 100ms);
  EXPECT_EQ(s.workers_to_start(now + 100ms, retry), 1u);
  EXPECT_EQ(s.start_failed("exit 1", now), now + 200ms);
  EXPECT_FALSE(s.cannot_start());
  EXPECT_EQ(s.start_failed("exit 2", now), now + 400ms);
  EXPECT_TRUE(s.cannot_start());
  EXPECT_EQ(s.start_failures(), 3u);
  EXPECT_EQ(s.start_error(), "exit 2");
  for (int i = 0; i < 10; ++i)
    s.start_failed("again", now);
  EXPECT_EQ(s.workers_to_start(now, retry), 0u);
  EXPECT_EQ(retry, now + 5s);
  // Only one start at a time while they fail.
  s.add_worker(s.next_worker_id(), false, now);
  EXPECT_EQ(s.workers_to_start(now + 10s, retry), 0u);
}

TEST_F(PoolSchedule, AFinishedJobProvesTheWorkerStarts) {
  limits.first_job_proves_start = true;
  auto s = make();
  auto id = s.next_worker_id();
  s.add_worker(id, true, now);
  auto w = *s.find_worker(id);
  EXPECT_TRUE(s.lost_start(w));
  s.start_failed("exit 1", now);
  auto ticket = submit(s, 1);
  assign_all(s);
  ASSERT_TRUE(end_run(s, id, ticket).valid);
  EXPECT_EQ(s.start_failures(), 0u);
  EXPECT_FALSE(s.lost_start(*s.find_worker(id)));
}

TEST_F(PoolSchedule, QueuedJobsComeOutInTheOrderTheyWouldHaveRun) {
  auto s = make();
  auto low = submit(s, 1, 0);
  auto high = submit(s, 2, 9);
  auto gone = submit(s, 3, 5);
  answer(s, gone);
  std::vector<uint64_t> order;
  uint64_t ticket = 0;
  while (s.next_queued(ticket))
    order.push_back(ticket);
  EXPECT_EQ(order, (std::vector<uint64_t>{high, low}));
}

} // namespace
