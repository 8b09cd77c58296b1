// The breaker actor on CAF's deterministic coordinator, in virtual time:
// jobs through to the pool, fast rejection while open, the timed move to
// half-open, trials, fallbacks through the router, retries with backoff
// bounded by attempts and the deadline, operators' commands, metrics.
#include "actors/breaker/breaker.hpp"
#include "actors/ingress/router.hpp"
#include "actors/pool/worker_pool.hpp"
#include "actors/supervision/succession.hpp"
#include "actors/supervision/supervised_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::breaker_actor;
using troupe::breaker_command;
using troupe::breaker_status;
using troupe::circuit_state;
using troupe::job;
using troupe::job_result;
using troupe::job_status;
using troupe::skill_info;
using troupe::worker_pool_actor;
using troupe::skills::skill_definition;
using troupe::test::make_job;
using troupe::test::result_recorder;

// -- a pool whose answers the test scripts ------------------------------------

/// What the scripted pool saw.
struct pool_log {
  std::vector<job> jobs;
  /// Runs so far per input (for inputs that script several outcomes).
  std::map<std::string, size_t> runs;
  /// Ids the pool was asked to cancel.
  std::vector<uint64_t> cancelled;
};

// The answer to one run of `input`: "ok", "fail", "bad", "overloaded",
// "timeout" or "lost" (the worker died), optionally with ":MS" (answer after MS
// milliseconds of virtual time); several comma-separated outcomes script
// successive runs of the same input, the last one repeating.
std::pair<job_result, caf::timespan> scripted(pool_log& log, const job& j) {
  std::vector<std::string> steps;
  size_t start = 0;
  for (size_t i = 0; i <= j.input.size(); ++i)
    if (i == j.input.size() || j.input[i] == ',') {
      steps.push_back(j.input.substr(start, i - start));
      start = i + 1;
    }
  auto n = log.runs[j.input]++;
  auto step = steps[std::min(n, steps.size() - 1)];
  caf::timespan delay{0};
  auto colon = step.find(':');
  if (colon != std::string::npos) {
    delay = std::chrono::milliseconds{std::stoi(step.substr(colon + 1))};
    step = step.substr(0, colon);
  }
  job_result r;
  r.id = j.id;
  r.skill = j.skill;
  r.attempts = 1;
  if (step == "ok") {
    r.status = job_status::ok;
    r.output = "done";
  } else if (step == "bad") {
    r.status = job_status::bad_input;
  } else if (step == "overloaded") {
    r.status = job_status::overloaded;
    r.attempts = 0;
  } else if (step == "timeout") {
    r.status = job_status::timeout;
  } else if (step == "lost") {
    // The worker died under the attempt, as the pool reports it.
    r.status = job_status::skill_error;
    r.error = "the worker running skill 'flaky' died mid-job (killed)";
    r.worker_lost = true;
  } else {
    r.status = job_status::skill_error;
    r.error = "boom " + std::to_string(n + 1);
  }
  return {std::move(r), delay};
}

worker_pool_actor::behavior_type scripted_pool(worker_pool_actor::pointer self,
                                               std::shared_ptr<pool_log> log) {
  return {
    [self, log](job& j, troupe::result_sink_actor& sink) {
      log->jobs.push_back(j);
      auto [r, delay] = scripted(*log, j);
      if (delay > caf::timespan{0})
        self->delayed_send(sink, delay, std::move(r));
      else
        self->send(sink, std::move(r));
    },
    [](troupe::atom::done, uint64_t, uint64_t, job_result&) {},
    [](troupe::atom::lost, uint64_t, uint64_t, troupe::pool::restart_reason,
       const std::string&) {},
    [](troupe::atom::ready, uint64_t) {},
    [log](troupe::atom::cancel, const std::vector<uint64_t>& ids,
          const troupe::result_sink_actor&) {
      log->cancelled.insert(log->cancelled.end(), ids.begin(), ids.end());
    },
    [](troupe::atom::tick) {},
    [](troupe::atom::status) {
      return skill_info{};
    },
  };
}

// Answers every job OK with "fallback for <input>".
worker_pool_actor::behavior_type
fallback_pool(worker_pool_actor::pointer self) {
  return {
    [self](job& j, troupe::result_sink_actor& sink) {
      job_result r;
      r.id = j.id;
      r.status = job_status::ok;
      r.output = "fallback for " + j.input;
      r.skill = j.skill;
      r.attempts = 1;
      self->send(sink, std::move(r));
    },
    [](troupe::atom::done, uint64_t, uint64_t, job_result&) {},
    [](troupe::atom::lost, uint64_t, uint64_t, troupe::pool::restart_reason,
       const std::string&) {},
    [](troupe::atom::ready, uint64_t) {},
    [](troupe::atom::cancel, const std::vector<uint64_t>&,
       const troupe::result_sink_actor&) {},
    [](troupe::atom::tick) {},
    [](troupe::atom::status) {
      return skill_info{};
    },
  };
}

// -- fixture
// --------------------------------------------------------------------

class Breaker : public troupe::test::actor_test {
 public:
  Breaker()
      : rec(sys()), log(std::make_shared<pool_log>()),
        registry(std::make_shared<prometheus::Registry>()),
        metrics(std::make_shared<troupe::breaker::breaker_metrics>(*registry)) {
    def.name = "flaky";
    def.mode = troupe::skills::skill_mode::scheduled;
    def.breaker.enabled = true;
    def.breaker.window_calls = 10;
    def.breaker.minimum_calls = 4;
    def.breaker.failure_rate = 50;
    def.breaker.open_wait = 5s;
    def.breaker.half_open_calls = 2;
    def.breaker.slow_call_duration = 1s;
    def.max_attempts = 1;
    def.fn = [](const std::string&) {
      return troupe::skills::skill_output::success({});
    };
  }

  /// Spawns the breaker for `def` in front of the scripted pool.
  breaker_actor spawn_breaker() {
    pool = sys().spawn(scripted_pool, log);
    stop_at_end(pool);
    troupe::breaker::breaker_config cfg;
    cfg.node_name = "test-node";
    cfg.default_timeout = 60s;
    cfg.breaker_metrics = metrics;
    cfg.seed = 42;
    auto skill = std::make_shared<const troupe::skills::skill_definition>(def);
    auto b = sys().spawn(troupe::breaker::breaker, skill, pool, cfg);
    stop_at_end(b);
    return b;
  }

  /// Spawns the breaker and a router that knows it and an "echo" fallback
  /// skill, as a node does.
  breaker_actor spawn_with_router() {
    auto b = spawn_breaker();
    auto fb = sys().spawn(fallback_pool);
    stop_at_end(fb);
    troupe::ingress::router_config rc;
    rc.node_name = "test-node";
    rc.breakers.emplace("flaky", b);
    std::unordered_map<std::string, worker_pool_actor> pools;
    pools.emplace("flaky", pool);
    pools.emplace("echo", fb);
    router = sys().spawn(troupe::ingress::router, rc, pools);
    stop_at_end(router);
    run();
    return b;
  }

  void submit(const breaker_actor& b, uint64_t id, std::string input,
              caf::timespan timeout = caf::timespan{0}) {
    auto j = make_job(id, "flaky", std::move(input));
    j.options.timeout = timeout;
    caf::anon_send(b, std::move(j), rec.handle());
  }

  /// Submits `n` jobs with ids from `first` and runs them to their results.
  void submit_many(const breaker_actor& b, uint64_t first, int n,
                   const std::string& input) {
    for (int i = 0; i < n; ++i)
      submit(b, first + static_cast<uint64_t>(i), input);
    run();
  }

  job_result result(uint64_t id) {
    EXPECT_EQ(rec.count(id), 1u) << "job " << id;
    auto r = rec.find(id);
    return r ? *r : job_result{};
  }

  breaker_status status(const breaker_actor& b) {
    auto st = ask<breaker_status>(b, troupe::atom::status::value);
    return st ? *st : breaker_status{};
  }

  breaker_status command(const breaker_actor& b, breaker_command cmd) {
    auto st = ask<breaker_status>(b, troupe::atom::breaker::value, cmd);
    return st ? *st : breaker_status{};
  }

  /// Moves virtual time from timer to timer (at most `n` of them) until
  /// job `id` has its result.
  void run_timers_until_result(uint64_t id, int n = 50) {
    for (int i = 0; i < n && rec.count(id) == 0; ++i)
      if (next_timer() == caf::timespan::max())
        break;
      else
        advance(next_timer());
  }

  /// Time until the next timer of any actor, from now.
  caf::timespan next_timer() {
    auto& schedule = sched().clock().schedule();
    if (schedule.empty())
      return caf::timespan::max();
    return schedule.begin()->first - sched().clock().now();
  }

  double metric(const std::string& family,
                const std::map<std::string, std::string>& labels) {
    for (auto& f : registry->Collect()) {
      if (f.name != family)
        continue;
      for (auto& m : f.metric) {
        size_t matched = 0;
        for (auto& l : m.label)
          if (labels.count(l.name) > 0 && labels.at(l.name) == l.value)
            ++matched;
        if (matched == labels.size())
          return f.type == prometheus::MetricType::Gauge ? m.gauge.value
                                                         : m.counter.value;
      }
    }
    return -1;
  }

  troupe::skills::skill_definition def;
  result_recorder rec;
  std::shared_ptr<pool_log> log;
  worker_pool_actor pool;
  troupe::router_actor router;
  std::shared_ptr<prometheus::Registry> registry;
  troupe::breaker::breaker_metrics_ptr metrics;
};

// -- closed -------------------------------------------------------------------

TEST_F(Breaker, LetsJobsThroughAndAnswersWithThePoolsResult) {
  auto b = spawn_breaker();
  submit(b, 7, "ok");
  submit(b, 7, "ok"); // ids of different submitters may repeat
  run();
  ASSERT_EQ(rec.count(7), 2u);
  auto r = *rec.find(7);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.output, "done");
  EXPECT_EQ(r.skill, "flaky");
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_TRUE(r.fallback.empty());
  // The pool saw the breaker's own ids.
  ASSERT_EQ(log->jobs.size(), 2u);
  EXPECT_NE(log->jobs[0].id, log->jobs[1].id);
  auto st = status(b);
  EXPECT_EQ(st.state, circuit_state::closed);
  EXPECT_EQ(st.calls, 2u);
  EXPECT_EQ(metric("troupe_breaker_state", {{"skill", "flaky"}}), 0);
}

// -- closed -> open
// -------------------------------------------------------------

TEST_F(Breaker, TripsAndThenRejectsAtOnceWithTheTimeUntilTheNextTrial) {
  auto b = spawn_breaker();
  submit_many(b, 1, 4, "fail");
  for (uint64_t id = 1; id <= 4; ++id)
    EXPECT_EQ(result(id).status, job_status::skill_error);
  EXPECT_EQ(status(b).state, circuit_state::open);
  advance(2s);
  submit(b, 10, "ok");
  run();
  auto r = result(10);
  EXPECT_EQ(r.status, job_status::breaker_open);
  EXPECT_EQ(r.retry_after, caf::timespan{3s});
  EXPECT_EQ(r.skill, "flaky");
  EXPECT_EQ(r.node, "test-node");
  EXPECT_EQ(r.attempts, 0u);
  EXPECT_NE(r.error.find("failure rate 100%"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("next trial in 3.0 s"), std::string::npos) << r.error;
  // The pool never saw it.
  EXPECT_EQ(log->jobs.size(), 4u);
  auto st = status(b);
  EXPECT_EQ(st.rejected, 1u);
  EXPECT_EQ(st.trips, 1u);
  EXPECT_EQ(st.until_half_open, caf::timespan{3s});
  EXPECT_EQ(metric("troupe_breaker_state", {{"skill", "flaky"}}), 1);
  EXPECT_EQ(metric("troupe_breaker_transitions_total",
                   {{"skill", "flaky"}, {"from", "closed"}, {"to", "open"}}),
            1);
  EXPECT_EQ(metric("troupe_breaker_rejected_total", {{"skill", "flaky"}}), 1);
}

TEST_F(Breaker, NeedsTheMinimumNumberOfCalls) {
  auto b = spawn_breaker();
  submit_many(b, 1, 3, "fail");
  auto st = status(b);
  EXPECT_EQ(st.state, circuit_state::closed);
  EXPECT_DOUBLE_EQ(st.failure_rate, 100.0);
  EXPECT_EQ(st.minimum_calls, 4u);
  submit_many(b, 4, 1, "fail");
  EXPECT_EQ(status(b).state, circuit_state::open);
}

TEST_F(Breaker, ATimeWindowForgetsOldFailures) {
  def.breaker.window = troupe::skills::breaker_window_kind::time;
  def.breaker.window_duration = 10s;
  auto b = spawn_breaker();
  // Three failures every eleven seconds: the window never holds four calls.
  for (uint64_t round = 0; round < 5; ++round) {
    submit_many(b, 10 * round, 3, "fail");
    EXPECT_EQ(status(b).state, circuit_state::closed) << round;
    advance(11s);
  }
  EXPECT_EQ(status(b).calls, 0u);
  submit_many(b, 100, 3, "fail");
  advance(2s);
  submit_many(b, 110, 1, "fail");
  EXPECT_EQ(status(b).state, circuit_state::open);
}

TEST_F(Breaker, SlowCallsTripItToo) {
  def.breaker.slow_call_rate = 75;
  auto b = spawn_breaker();
  // Successful calls that take 2 s of virtual time each.
  for (uint64_t id = 1; id <= 4; ++id)
    submit(b, id, "ok:2000");
  run();
  advance(2s);
  for (uint64_t id = 1; id <= 4; ++id)
    EXPECT_EQ(result(id).status, job_status::ok);
  auto st = status(b);
  EXPECT_EQ(st.state, circuit_state::open);
  EXPECT_EQ(st.slow_calls, 4u);
  EXPECT_DOUBLE_EQ(st.slow_call_rate, 100.0);
}

TEST_F(Breaker, BadInputAndOverloadDoNotCount) {
  auto b = spawn_breaker();
  submit_many(b, 1, 6, "bad");
  submit_many(b, 11, 6, "overloaded");
  auto st = status(b);
  EXPECT_EQ(st.state, circuit_state::closed);
  EXPECT_EQ(st.calls, 0u);
}

// -- open -> half-open -> closed / open
// ----------------------------------------

TEST_F(Breaker, TurnsHalfOpenOnItsTimerWithoutAnyCall) {
  auto b = spawn_breaker();
  submit_many(b, 1, 4, "fail");
  ASSERT_EQ(status(b).state, circuit_state::open);
  EXPECT_EQ(next_timer(), caf::timespan{5s});
  advance(5s);
  // Nobody called; the timer moved it, and the metric shows it.
  EXPECT_EQ(status(b).state, circuit_state::half_open);
  EXPECT_EQ(metric("troupe_breaker_state", {{"skill", "flaky"}}), 2);
  EXPECT_EQ(metric("troupe_breaker_transitions_total",
                   {{"skill", "flaky"}, {"from", "open"}, {"to", "half-open"}}),
            1);
}

TEST_F(Breaker, SuccessfulTrialsCloseIt) {
  auto b = spawn_breaker();
  submit_many(b, 1, 4, "fail");
  advance(5s);
  // Two trials (slow ones, so they are in flight together) and a third job
  // that finds both trial slots taken.
  submit(b, 10, "ok:100");
  submit(b, 11, "ok:100");
  submit(b, 12, "ok");
  run();
  auto r = result(12);
  EXPECT_EQ(r.status, job_status::breaker_open);
  EXPECT_NE(r.error.find("trial call(s) are running"), std::string::npos)
    << r.error;
  EXPECT_EQ(status(b).trial_calls, 2u);
  advance(100ms);
  EXPECT_EQ(result(10).status, job_status::ok);
  EXPECT_EQ(result(11).status, job_status::ok);
  auto st = status(b);
  EXPECT_EQ(st.state, circuit_state::closed);
  EXPECT_EQ(st.calls, 0u);
  EXPECT_EQ(
    metric("troupe_breaker_transitions_total",
           {{"skill", "flaky"}, {"from", "half-open"}, {"to", "closed"}}),
    1);
}

TEST_F(Breaker, FailedTrialsOpenItAgainForLongerWhenConfigured) {
  def.breaker.open_wait_multiplier = 2;
  def.breaker.open_wait_max = 60s;
  auto b = spawn_breaker();
  submit_many(b, 1, 4, "fail");
  advance(5s);
  submit_many(b, 10, 2, "fail");
  EXPECT_EQ(status(b).state, circuit_state::open);
  // The second trip waits twice as long.
  EXPECT_EQ(next_timer(), caf::timespan{10s});
  advance(9s);
  EXPECT_EQ(status(b).state, circuit_state::open);
  advance(1s);
  EXPECT_EQ(status(b).state, circuit_state::half_open);
  EXPECT_EQ(status(b).trips, 2u);
}

// -- fallback
// --------------------------------------------------------------------

TEST_F(Breaker, TheFallbackSkillAnswersWhileOpenAndIsMarked) {
  def.breaker.fallback = "echo";
  auto b = spawn_with_router();
  submit_many(b, 1, 4, "fail");
  ASSERT_EQ(status(b).state, circuit_state::open);
  submit(b, 20, "x");
  run();
  auto r = result(20);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.output, "fallback for x");
  EXPECT_EQ(r.fallback, "echo");
  EXPECT_EQ(r.skill, "flaky");
  auto st = status(b);
  EXPECT_EQ(st.rejected, 1u);
  EXPECT_EQ(st.fallbacks, 1u);
  EXPECT_EQ(st.fallback, "echo");
  EXPECT_EQ(metric("troupe_breaker_fallbacks_total", {{"skill", "flaky"}}), 1);
  // Closed again, jobs go to the skill itself.
  command(b, breaker_command::reset);
  submit(b, 21, "ok");
  run();
  EXPECT_TRUE(result(21).fallback.empty());
}

TEST_F(Breaker, AFailingFallbackSaysSo) {
  def.breaker.fallback = "nope";
  auto b = spawn_with_router();
  command(b, breaker_command::force_open);
  submit(b, 1, "x");
  run();
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::unknown_skill);
  EXPECT_EQ(r.fallback, "nope");
  EXPECT_NE(r.error.find("its fallback 'nope' failed"), std::string::npos)
    << r.error;
}

// -- retries
// ---------------------------------------------------------------------

TEST_F(Breaker, RetriesAfterABackoffUntilAnAttemptSucceeds) {
  def.breaker.enabled = false;
  def.max_attempts = 4;
  def.retry.retry_on = {job_status::skill_error};
  def.retry.backoff = 100ms;
  def.retry.backoff_max = 1s;
  auto b = spawn_breaker();
  auto t0 = sys().clock().now();
  submit(b, 1, "fail,fail,ok");
  run();
  ASSERT_EQ(log->jobs.size(), 1u);
  EXPECT_EQ(rec.count(1), 0u);
  // The first retry waits at most 100 ms, the second at most 200 ms.
  auto first = next_timer();
  EXPECT_LE(first, caf::timespan{100ms});
  advance(first);
  ASSERT_EQ(log->jobs.size(), 2u);
  auto second = next_timer();
  EXPECT_LE(second, caf::timespan{200ms});
  advance(second);
  ASSERT_EQ(log->jobs.size(), 3u);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.attempts, 3u);
  // Each attempt gets the job's one deadline and runs once in the pool:
  // the breaker owns the job's re-runs.
  for (auto& j : log->jobs) {
    EXPECT_EQ(j.options.deadline, t0 + 60s);
    EXPECT_EQ(j.options.max_attempts, 1u);
  }
  auto st = status(b);
  EXPECT_FALSE(st.enabled);
  EXPECT_EQ(st.retries, 2u);
  EXPECT_EQ(metric("troupe_retries_total", {{"skill", "flaky"}}), 2);
  // Without a breaker, no breaker series.
  EXPECT_EQ(metric("troupe_breaker_state", {{"skill", "flaky"}}), -1);
}

TEST_F(Breaker, CancellationEndsAJobWaitingForItsNextAttempt) {
  def.breaker.enabled = false;
  def.max_attempts = 4;
  def.retry.retry_on = {job_status::skill_error};
  def.retry.backoff = 100ms;
  auto b = spawn_breaker();
  submit(b, 1, "fail,ok");
  run();
  ASSERT_EQ(log->jobs.size(), 1u);
  EXPECT_EQ(rec.count(1), 0u); // waiting for its retry
  caf::anon_send(b, troupe::atom::cancel::value, std::vector<uint64_t>{1},
                 rec.handle());
  run();
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::cancelled);
  EXPECT_NE(r.error.find("waiting to retry"), std::string::npos) << r.error;
  // Its retry never starts, and nothing ran to cancel.
  advance(1s);
  EXPECT_EQ(log->jobs.size(), 1u);
  EXPECT_TRUE(log->cancelled.empty());
  EXPECT_EQ(rec.count(1), 1u);
}

TEST_F(Breaker, CancellationReachesTheRunningAttemptInThePool) {
  auto b = spawn_breaker();
  submit(b, 7, "ok:500");
  submit(b, 8, "ok:500");
  run();
  ASSERT_EQ(log->jobs.size(), 2u);
  // Another sink's job with the same id is not touched.
  auto other = result_recorder{sys()};
  caf::anon_send(b, troupe::atom::cancel::value, std::vector<uint64_t>{7},
                 other.handle());
  run();
  EXPECT_EQ(rec.results().size(), 0u);
  caf::anon_send(b, troupe::atom::cancel::value, std::vector<uint64_t>{7},
                 rec.handle());
  run();
  auto r = result(7);
  EXPECT_EQ(r.status, job_status::cancelled);
  // The pool is told to stop the attempt, under the breaker's own id.
  ASSERT_EQ(log->cancelled.size(), 1u);
  EXPECT_EQ(log->cancelled[0], log->jobs[0].id);
  // The attempt's late result changes nothing; the other job completes.
  advance(1s);
  EXPECT_EQ(rec.count(7), 1u);
  EXPECT_EQ(result(8).status, job_status::ok);
  // A cancelled call does not count against the skill.
  EXPECT_EQ(status(b).state, troupe::circuit_state::closed);
}

TEST_F(Breaker, GivesUpWhenTheAttemptsAreUsed) {
  def.max_attempts = 3;
  def.retry.retry_on = {job_status::skill_error};
  def.retry.backoff = 10ms;
  def.breaker.minimum_calls = 10;
  auto b = spawn_breaker();
  submit(b, 1, "fail");
  run();
  run_timers_until_result(1);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_EQ(r.attempts, 3u);
  EXPECT_NE(r.error.find("boom 3"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("gave up after 3 attempts"), std::string::npos)
    << r.error;
  EXPECT_EQ(log->jobs.size(), 3u);
  // Every attempt counted as a call of the breaker.
  EXPECT_EQ(status(b).calls, 3u);
}

TEST_F(Breaker, NoRetryStartsPastTheJobsDeadline) {
  def.breaker.enabled = false;
  def.max_attempts = 5;
  def.retry.retry_on = {job_status::skill_error};
  def.retry.backoff = 10s;
  def.retry.backoff_max = 10s;
  auto b = spawn_breaker();
  // A failing attempt that took 500 ms of a 600 ms deadline: the wait of up
  // to 10 s (it is 0..10 s) would end past it with near certainty; the
  // seed makes it certain.
  submit(b, 1, "fail:500", 600ms);
  run();
  advance(500ms);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_NE(r.error.find("deadline would pass"), std::string::npos) << r.error;
  EXPECT_EQ(status(b).retries, 0u);
}

TEST_F(Breaker, AllAttemptsShareTheJobsDeadline) {
  def.breaker.enabled = false;
  def.max_attempts = 10;
  def.retry.retry_on = {job_status::timeout};
  def.retry.backoff = 1ms;
  def.retry.backoff_max = 1ms;
  def.retry.attempt_timeout = 300ms;
  auto b = spawn_breaker();
  auto t0 = sys().clock().now();
  // Every attempt times out after its 300 ms; the job has 1 s.
  submit(b, 1, "timeout:300", 1s);
  run();
  run_timers_until_result(1);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::timeout);
  // 300 ms + 300 ms + 300 ms + (at most 100 ms left): four attempts fit.
  EXPECT_EQ(r.attempts, 4u);
  EXPECT_EQ(log->jobs.front().options.deadline, t0 + 300ms);
  for (auto& j : log->jobs)
    EXPECT_LE(j.options.deadline, t0 + 1s);
  EXPECT_EQ(log->jobs.back().options.deadline, t0 + 1s);
}

TEST_F(Breaker, NeverRetriesANonIdempotentSkill) {
  def.idempotent = false;
  def.max_attempts = 5;
  def.retry.retry_on = {job_status::skill_error};
  auto b = spawn_breaker();
  submit(b, 1, "fail,ok");
  run();
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(log->jobs.size(), 1u);
  EXPECT_EQ(next_timer(), caf::timespan::max());
}

TEST_F(Breaker, OnlyTheConfiguredStatusesAreRetried) {
  def.max_attempts = 5;
  def.retry.retry_on = {job_status::overloaded};
  auto b = spawn_breaker();
  submit(b, 1, "bad,ok");
  submit(b, 2, "fail,ok");
  submit(b, 3, "overloaded,ok");
  run();
  EXPECT_EQ(result(1).status, job_status::bad_input);
  EXPECT_EQ(result(2).status, job_status::skill_error);
  advance(next_timer());
  auto r = result(3);
  EXPECT_EQ(r.status, job_status::ok);
  // The refused attempt counts as one.
  EXPECT_EQ(r.attempts, 2u);
}

TEST_F(Breaker, TheJobMayAskForFewerAttempts) {
  def.max_attempts = 5;
  def.retry.retry_on = {job_status::skill_error};
  auto b = spawn_breaker();
  auto j = make_job(1, "flaky", "fail,ok");
  j.options.max_attempts = 1;
  caf::anon_send(b, std::move(j), rec.handle());
  run();
  EXPECT_EQ(result(1).attempts, 1u);
  EXPECT_EQ(result(1).status, job_status::skill_error);
}

TEST_F(Breaker, ARetryThatFindsTheBreakerOpenEndsThere) {
  def.max_attempts = 3;
  def.retry.retry_on = {job_status::skill_error};
  def.retry.backoff = 100ms;
  auto b = spawn_breaker();
  submit(b, 1, "fail");
  run();
  // Meanwhile other jobs trip the breaker.
  submit_many(b, 10, 3, "fail,fail,fail,fail,fail,fail,fail,fail,fail");
  ASSERT_EQ(status(b).state, circuit_state::open);
  run_timers_until_result(1);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::breaker_open);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_NE(r.error.find("after 1 failed attempt(s), the last: SKILL_ERROR"),
            std::string::npos)
    << r.error;
}

TEST_F(Breaker, CrashRetriesInThePoolCountAsAttempts) {
  // A real pool: its worker crashes once, the pool runs the job again.
  def.breaker.enabled = false;
  def.max_attempts = 3;
  def.retry.retry_on = {job_status::skill_error};
  auto crashes = std::make_shared<int>(1);
  def.fn = [crashes](const std::string&) -> troupe::skills::skill_output {
    if ((*crashes)-- > 0)
      return troupe::skills::skill_output::crash();
    return troupe::skills::skill_output::failure(job_status::skill_error, "no");
  };
  auto skill = std::make_shared<const troupe::skills::skill_definition>(def);
  troupe::pool::worker_pool_config pc;
  pc.min_workers = pc.max_workers = 1;
  auto real = sys().spawn(troupe::pool::worker_pool, skill, pc);
  stop_at_end(real);
  troupe::breaker::breaker_config cfg;
  cfg.seed = 1;
  auto b = sys().spawn(troupe::breaker::breaker, skill, real, cfg);
  stop_at_end(b);
  submit(b, 1, "x");
  run();
  // Crash + failure used two attempts; one retry remains.
  run_timers_until_result(1);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_EQ(r.attempts, 3u);
}

// -- operators, pool loss
// ---------------------------------------------------------

TEST_F(Breaker, OperatorsForceItOpenOrClosedAndReset) {
  auto b = spawn_breaker();
  auto st = command(b, breaker_command::force_open);
  EXPECT_EQ(st.state, circuit_state::forced_open);
  EXPECT_EQ(metric("troupe_breaker_forced", {{"skill", "flaky"}}), 1);
  EXPECT_EQ(metric("troupe_breaker_state", {{"skill", "flaky"}}), 1);
  submit(b, 1, "ok");
  run();
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::breaker_open);
  EXPECT_EQ(r.retry_after, caf::timespan{0});
  EXPECT_NE(r.error.find("forced open"), std::string::npos) << r.error;
  st = command(b, breaker_command::force_close);
  EXPECT_EQ(st.state, circuit_state::forced_closed);
  submit_many(b, 10, 20, "fail");
  EXPECT_EQ(status(b).state, circuit_state::forced_closed);
  st = command(b, breaker_command::reset);
  EXPECT_EQ(st.state, circuit_state::closed);
  EXPECT_EQ(st.calls, 0u);
  EXPECT_EQ(metric("troupe_breaker_forced", {{"skill", "flaky"}}), 0);
  EXPECT_EQ(command(b, breaker_command::show).state, circuit_state::closed);
}

TEST_F(Breaker, ASkillWithoutABreakerRefusesCommands) {
  def.breaker.enabled = false;
  def.max_attempts = 2;
  def.retry.retry_on = {job_status::timeout};
  auto b = spawn_breaker();
  auto out = start_request<breaker_status>(b, troupe::atom::breaker::value,
                                           breaker_command::force_open);
  run();
  ASSERT_TRUE(out->done);
  EXPECT_TRUE(out->error);
  EXPECT_NE(sys().render(out->error).find("has no breaker"), std::string::npos);
}

TEST_F(Breaker, ALostPoolFailsWhatItHeldAndWhatComesNext) {
  auto b = spawn_breaker();
  submit(b, 1, "ok:1000");
  run();
  caf::anon_send_exit(pool, caf::exit_reason::kill);
  run();
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::internal);
  EXPECT_NE(r.error.find("pool of skill 'flaky' stopped"), std::string::npos)
    << r.error;
  submit(b, 2, "ok");
  run();
  EXPECT_EQ(result(2).status, job_status::internal);
  // The late answer of the dead pool's timer finds nothing.
  advance(1s);
  EXPECT_EQ(rec.count(1), 1u);
}

// -- crashes ------------------------------------------------------------------

// Breakers as a node runs them: incarnations sharing a succession.
class SupervisedBreaker : public Breaker {
 public:
  using impl
    = troupe::supervision::supervised_actor<breaker_actor,
                                            troupe::breaker::breaker_state>;

  breaker_actor spawn_incarnation() {
    if (!pool) {
      pool = sys().spawn(scripted_pool, log);
      stop_at_end(pool);
    }
    troupe::breaker::breaker_config cfg;
    cfg.node_name = "test-node";
    cfg.default_timeout = 60s;
    cfg.seed = 42;
    cfg.supervised = true;
    auto skill = std::make_shared<const troupe::skills::skill_definition>(def);
    auto runner = troupe::job_runner_actor{pool};
    impl::init_fn init = [skill, runner, cfg](impl::pointer self) {
      return troupe::breaker::breaker(self, skill, runner, cfg);
    };
    auto filter = [](const caf::mailbox_element& x) {
      return x.content().match_elements<job, troupe::result_sink_actor>();
    };
    auto b = sys().spawn<impl>(std::move(init), heirs, filter);
    stop_at_end(b);
    return b;
  }

  troupe::supervision::succession_ptr heirs
    = std::make_shared<troupe::supervision::succession>(
      "the breaker of skill flaky", 100);
};

TEST_F(SupervisedBreaker, JobThatMayRunAgainGoesToTheNextIncarnation) {
  def.breaker.enabled = false;
  def.max_attempts = 3;
  def.retry.retry_on = {job_status::skill_error};
  auto first = spawn_incarnation();
  // The attempt's result comes late: the breaker crashes before it.
  submit(first, 1, "ok:500");
  run();
  ASSERT_EQ(log->jobs.size(), 1u);
  caf::anon_send_exit(first, caf::exit_reason::kill);
  run();
  EXPECT_EQ(rec.count(1), 0u);
  spawn_incarnation();
  run();
  advance(1s);
  ASSERT_EQ(rec.count(1), 1u);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::ok);
  // It ran again; the new incarnation owns its re-runs, so the pool runs
  // the attempt once.
  ASSERT_EQ(log->jobs.size(), 2u);
  EXPECT_EQ(log->jobs[1].options.max_attempts, 1u);
}

TEST_F(SupervisedBreaker, JobThatMayNotRunAgainIsAnsweredSayingWhy) {
  // No retries: the breaker kept no copy of the job.
  auto first = spawn_incarnation();
  submit(first, 1, "ok:500");
  run();
  caf::anon_send_exit(first, caf::exit_reason::kill);
  run();
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::internal);
  EXPECT_NE(r.error.find("resubmit it if running it twice is safe"),
            std::string::npos)
    << r.error;
  advance(1s);
  EXPECT_EQ(rec.count(1), 1u);
}

TEST_F(SupervisedBreaker, StoppingCancelsWhatItHolds) {
  def.breaker.enabled = false;
  def.max_attempts = 3;
  def.retry.retry_on = {job_status::skill_error};
  auto first = spawn_incarnation();
  submit(first, 1, "ok:500");
  run();
  caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  run();
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::cancelled);
  EXPECT_NE(r.error.find("stopped"), std::string::npos) << r.error;
}

} // namespace

// The breaker is the one owner of its skill's re-runs: an attempt whose
// worker died runs again at once, retry policy or not, while attempts
// remain; the pool never re-runs it itself.
TEST_F(Breaker, AnAttemptThatLostItsWorkerRunsAgainAtOnce) {
  // Only the re-runs here: a tripped breaker would refuse them.
  def.breaker.enabled = false;
  def.max_attempts = 3;
  auto b = spawn_breaker();
  submit(b, 1, "lost,lost,ok");
  run();
  ASSERT_EQ(log->jobs.size(), 3u);
  for (auto& j : log->jobs)
    EXPECT_EQ(j.options.max_attempts, 1u);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.attempts, 3u);
  EXPECT_FALSE(r.worker_lost);
  // Without attempts left, the job ends saying how many ran.
  submit(b, 2, "lost");
  run();
  EXPECT_EQ(log->jobs.size(), 6u);
  auto lost = result(2);
  EXPECT_EQ(lost.status, job_status::skill_error);
  EXPECT_EQ(lost.attempts, 3u);
  EXPECT_NE(lost.error.find("died mid-job (killed); attempts: 3"),
            std::string::npos)
    << lost.error;
}

TEST_F(Breaker, ANonIdempotentJobIsNotRunAgainAfterItsWorkerDied) {
  def.breaker.enabled = false;
  def.max_attempts = 3;
  def.idempotent = false;
  auto b = spawn_breaker();
  submit(b, 1, "lost,ok");
  run();
  EXPECT_EQ(log->jobs.size(), 1u);
  auto r = result(1);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_EQ(r.attempts, 1u);
}
