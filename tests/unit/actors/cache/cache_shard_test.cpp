#include "actors/cache/cache_digest.hpp"
#include "actors/cache/cache_shard.hpp"
#include "actors/pool/worker_pool.hpp"
#include "messages/atoms.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::cache_mode;
using troupe::cache_shard_actor;
using troupe::cache_status;
using troupe::job;
using troupe::job_status;
using troupe::worker_pool_actor;
using troupe::cache::cache_shard_config;
using troupe::pool::worker_pool_config;
using troupe::skills::cache_policy;
using troupe::skills::skill_output;
using troupe::test::make_job;
using troupe::test::make_skill;
using troupe::test::result_recorder;
using troupe::test::resumable_of;

// A shard in front of one pool whose skill counts its runs: the output is
// "<input>#<run number>", so a test sees which execution produced a result.
class CacheShard : public troupe::test::actor_test {
 public:
  CacheShard() : rec(sys()), runs(std::make_shared<std::atomic<int>>(0)) {}

  void spawn(troupe::skills::cache_policy policy, double refresh_rate = 0,
             uint64_t budget = 1 << 20) {
    auto counter = runs;
    auto fails = failing;
    auto skill = make_skill("calc", [counter, fails](const std::string& in) {
      auto n = ++*counter;
      if (*fails)
        return troupe::skills::skill_output::failure(
          job_status::skill_error, "failed run " + std::to_string(n));
      return troupe::skills::skill_output::success(in + "#"
                                                   + std::to_string(n));
    });
    troupe::pool::worker_pool_config pc;
    pc.node_name = "cache-node";
    pc.min_workers = pc.max_workers = 2;
    pc.queue_capacity = 10'000;
    pc.default_timeout = 60s;
    pool = sys().spawn(troupe::pool::worker_pool, skill, pc);
    stop_at_end(pool);
    troupe::cache::cache_shard_config cfg;
    cfg.node_name = "cache-node";
    cfg.budget = budget;
    cfg.policies.emplace("calc", policy);
    if (!idempotent)
      cfg.not_idempotent.insert("calc");
    cfg.refresh_rate = refresh_rate;
    shard = sys().spawn(troupe::cache::cache_shard, cfg);
    stop_at_end(shard);
  }

  static troupe::skills::cache_policy enabled(caf::timespan ttl = 60s) {
    troupe::skills::cache_policy p;
    p.enabled = true;
    p.ttl = ttl;
    return p;
  }

  void submit(uint64_t id, const std::string& input,
              cache_mode mode = cache_mode::normal) {
    auto j = make_job(id, "calc", input);
    j.options.cache = mode;
    auto key = troupe::cache::cache_digest("calc", "3", input);
    caf::anon_send(shard, std::move(j), key, troupe::job_runner_actor{pool},
                   rec.handle());
  }

  cache_status status() {
    auto st = ask<cache_status>(shard, troupe::atom::status::value);
    return st ? *st : cache_status{};
  }

  troupe::job_result result(uint64_t id) {
    EXPECT_EQ(rec.count(id), 1u) << "job " << id;
    auto r = rec.find(id);
    return r ? *r : troupe::job_result{};
  }

  result_recorder rec;
  std::shared_ptr<std::atomic<int>> runs;
  std::shared_ptr<bool> failing = std::make_shared<bool>(false);
  bool idempotent = true;
  worker_pool_actor pool;
  cache_shard_actor shard;
};

TEST_F(CacheShard, AMissRunsTheSkillAndARepeatIsAHit) {
  spawn(enabled());
  submit(1, "x");
  run();
  auto first = result(1);
  EXPECT_EQ(first.status, job_status::ok);
  EXPECT_EQ(first.output, "x#1");
  EXPECT_FALSE(first.cache_hit);
  EXPECT_EQ(first.attempts, 1u);
  submit(2, "x");
  run();
  auto second = result(2);
  EXPECT_EQ(second.status, job_status::ok);
  EXPECT_EQ(second.output, "x#1");
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(second.skill, "calc");
  EXPECT_EQ(second.node, "cache-node");
  EXPECT_EQ(*runs, 1);
  auto st = status();
  EXPECT_EQ(st.hits, 1u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.entries, 1u);
  EXPECT_GT(st.bytes, 0u);
  ASSERT_EQ(st.skills.size(), 1u);
  EXPECT_EQ(st.skills[0].skill, "calc");
  EXPECT_EQ(st.skills[0].hits, 1u);
}

TEST_F(CacheShard, DifferentInputsAreDifferentEntries) {
  spawn(enabled());
  submit(1, "a");
  submit(2, "b");
  run();
  EXPECT_EQ(result(1).output.substr(0, 2), "a#");
  EXPECT_EQ(result(2).output.substr(0, 2), "b#");
  EXPECT_EQ(*runs, 2);
}

TEST_F(CacheShard, ThousandIdenticalJobsInFlightRunTheSkillOnce) {
  spawn(enabled());
  for (uint64_t id = 1; id <= 1000; ++id)
    submit(id, "same");
  run();
  EXPECT_EQ(*runs, 1);
  ASSERT_EQ(rec.results().size(), 1000u);
  std::set<uint64_t> ids;
  for (auto& r : rec.results()) {
    ids.insert(r.id);
    EXPECT_EQ(r.status, job_status::ok) << r.id;
    EXPECT_EQ(r.output, "same#1") << r.id;
  }
  EXPECT_EQ(ids.size(), 1000u);
  auto st = status();
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.coalesced, 999u);
  EXPECT_EQ(st.in_flight, 0u);
}

TEST_F(CacheShard, FailuresAreNotCachedAndEveryWaiterGetsThem) {
  spawn(enabled());
  *failing = true;
  for (uint64_t id = 1; id <= 10; ++id)
    submit(id, "bad");
  run();
  EXPECT_EQ(*runs, 1);
  for (uint64_t id = 1; id <= 10; ++id) {
    auto r = result(id);
    EXPECT_EQ(r.status, job_status::skill_error);
    EXPECT_EQ(r.error, "failed run 1");
    EXPECT_FALSE(r.cache_hit);
  }
  // Not cached: the next job runs again (and now succeeds).
  *failing = false;
  submit(11, "bad");
  run();
  EXPECT_EQ(result(11).status, job_status::ok);
  EXPECT_EQ(result(11).output, "bad#2");
  EXPECT_EQ(status().entries, 1u);
}

TEST_F(CacheShard, NegativeCachingKeepsFailuresWhenTheSkillOptsIn) {
  auto policy = enabled();
  policy.negative = true;
  spawn(policy);
  *failing = true;
  submit(1, "bad");
  run();
  submit(2, "bad");
  run();
  EXPECT_EQ(*runs, 1);
  auto r = result(2);
  EXPECT_EQ(r.status, job_status::skill_error);
  EXPECT_EQ(r.error, "failed run 1");
  EXPECT_TRUE(r.cache_hit);
}

TEST_F(CacheShard, RefreshRecomputesAndReplacesTheEntry) {
  spawn(enabled());
  submit(1, "x");
  run();
  submit(2, "x", cache_mode::refresh);
  run();
  auto refreshed = result(2);
  EXPECT_EQ(refreshed.output, "x#2");
  EXPECT_FALSE(refreshed.cache_hit);
  submit(3, "x");
  run();
  EXPECT_EQ(result(3).output, "x#2");
  EXPECT_TRUE(result(3).cache_hit);
  EXPECT_EQ(status().refreshed, 1u);
}

TEST_F(CacheShard, AFailedRefreshKeepsTheGoodEntry) {
  spawn(enabled());
  submit(1, "x");
  run();
  *failing = true;
  submit(2, "x", cache_mode::refresh);
  run();
  EXPECT_EQ(result(2).status, job_status::skill_error);
  submit(3, "x");
  run();
  EXPECT_EQ(result(3).output, "x#1");
  EXPECT_TRUE(result(3).cache_hit);
}

TEST_F(CacheShard, EntriesExpireAfterTheirTtl) {
  spawn(enabled(10s));
  submit(1, "x");
  run();
  advance(9s);
  submit(2, "x");
  run();
  EXPECT_TRUE(result(2).cache_hit);
  advance(2s);
  submit(3, "x");
  run();
  EXPECT_FALSE(result(3).cache_hit);
  EXPECT_EQ(result(3).output, "x#2");
  EXPECT_EQ(status().evicted_ttl, 1u);
}

TEST_F(CacheShard, SweepGivesBackTheBytesOfExpiredEntries) {
  spawn(enabled(2s));
  submit(1, "a");
  submit(2, "b");
  run();
  EXPECT_EQ(status().entries, 2u);
  // No lookups: the periodic sweep finds them.
  advance(3s);
  auto st = status();
  EXPECT_EQ(st.entries, 0u);
  EXPECT_EQ(st.bytes, 0u);
  EXPECT_EQ(st.evicted_ttl, 2u);
}

TEST_F(CacheShard, ResultsOverTheEntryLimitAreReturnedButNotKept) {
  auto policy = enabled();
  policy.max_entry_bytes = 3;
  spawn(policy);
  submit(1, "long");
  run();
  EXPECT_EQ(result(1).output, "long#1");
  submit(2, "long");
  run();
  EXPECT_FALSE(result(2).cache_hit);
  EXPECT_EQ(*runs, 2);
  EXPECT_EQ(status().entries, 0u);
}

TEST_F(CacheShard, RefreshAheadRenewsAHotEntryBeforeItExpires) {
  spawn(enabled(10s), 1.0);
  submit(1, "hot");
  run();
  // Hot: looked up often.
  for (uint64_t id = 2; id <= 6; ++id)
    submit(id, "hot");
  run();
  EXPECT_EQ(*runs, 1);
  // Within the last 20% of the TTL, a hit answers from the cache and
  // recomputes the entry in the background.
  advance(8500ms);
  submit(7, "hot");
  run();
  EXPECT_TRUE(result(7).cache_hit);
  EXPECT_EQ(result(7).output, "hot#1");
  EXPECT_EQ(*runs, 2);
  EXPECT_EQ(status().refresh_aheads, 1u);
  // Past the original expiry the renewed entry still answers.
  advance(2s);
  submit(8, "hot");
  run();
  EXPECT_TRUE(result(8).cache_hit);
  EXPECT_EQ(result(8).output, "hot#2");
  EXPECT_EQ(status().evicted_ttl, 0u);
}

TEST_F(CacheShard, ColdEntriesAreNotRefreshedAhead) {
  spawn(enabled(10s), 1.0);
  submit(1, "cold");
  run();
  advance(8500ms);
  submit(2, "cold");
  run();
  EXPECT_TRUE(result(2).cache_hit);
  EXPECT_EQ(*runs, 1);
  EXPECT_EQ(status().refresh_aheads, 0u);
}

TEST_F(CacheShard, RefreshAheadsAreBoundedInRate) {
  spawn(enabled(10s), 1.0);
  for (auto key : {"a", "b", "c"}) {
    for (uint64_t k = 0; k < 5; ++k)
      submit(rec.results().size() + 100 * k + 1000, key);
    run();
  }
  EXPECT_EQ(*runs, 3);
  advance(8500ms);
  submit(1, "a");
  submit(2, "b");
  submit(3, "c");
  run();
  // One token per second: one refresh-ahead now, the others get none.
  EXPECT_EQ(status().refresh_aheads, 1u);
  EXPECT_EQ(*runs, 4);
  advance(1s);
  submit(4, "b");
  run();
  EXPECT_EQ(status().refresh_aheads, 2u);
}

TEST_F(CacheShard, WaitersGetAnAnswerWhenThePoolDies) {
  spawn(enabled());
  submit(1, "x");
  submit(2, "x");
  // The shard forwards the job, but the pool never runs it.
  run_only({resumable_of(shard)});
  caf::anon_send_exit(pool, caf::exit_reason::kill);
  run();
  for (uint64_t id : {1, 2}) {
    auto r = result(id);
    EXPECT_EQ(r.status, job_status::internal) << id;
    // The pool's last will or the shard, whichever comes first, says so.
    EXPECT_NE(r.error.find("the pool of skill 'calc'"), std::string::npos)
      << r.error;
    EXPECT_EQ(rec.count(id), 1u);
  }
  EXPECT_EQ(status().in_flight, 0u);
}

TEST_F(CacheShard, JobsOfSkillsWithoutPolicyPassThrough) {
  spawn(enabled());
  auto j = make_job(1, "other-skill", "x");
  caf::anon_send(shard, std::move(j),
                 troupe::cache::cache_digest("o", "1", "x"),
                 troupe::job_runner_actor{pool}, rec.handle());
  run();
  // The pool runs whatever it gets; nothing is cached.
  EXPECT_EQ(rec.count(1), 1u);
  EXPECT_EQ(status().entries, 0u);
}

TEST_F(CacheShard, CancelledWaiterIsAnsweredAndTheOthersStillGetTheResult) {
  spawn(enabled());
  submit(1, "x");
  submit(2, "x");
  // Both wait for one execution the pool has not run yet.
  run_only({resumable_of(shard)});
  // Another client's job 1 is not this one.
  result_recorder other{sys()};
  caf::anon_send(shard, troupe::atom::cancel::value, std::vector<uint64_t>{1},
                 other.handle());
  caf::anon_send(shard, troupe::atom::cancel::value, std::vector<uint64_t>{1},
                 rec.handle());
  run_only({resumable_of(shard), resumable_of(rec.handle())});
  auto first = result(1);
  EXPECT_EQ(first.status, job_status::cancelled);
  run();
  auto second = result(2);
  EXPECT_EQ(second.status, job_status::ok);
  EXPECT_EQ(second.output, "x#1");
  EXPECT_EQ(rec.count(1), 1u);
  EXPECT_EQ(*runs, 1);
}

TEST_F(CacheShard, ExecutionNobodyWaitsForIsCancelledAndNotCached) {
  spawn(enabled());
  submit(1, "x");
  run_only({resumable_of(shard)});
  caf::anon_send(shard, troupe::atom::cancel::value, std::vector<uint64_t>{1},
                 rec.handle());
  run();
  EXPECT_EQ(result(1).status, job_status::cancelled);
  EXPECT_EQ(rec.results().size(), 1u);
  // Nothing was kept: the same job runs afresh.
  submit(2, "x");
  run();
  auto again = result(2);
  EXPECT_EQ(again.status, job_status::ok);
  EXPECT_FALSE(again.cache_hit);
}

// The shard ends after it started one execution for two waiting jobs; the
// pool's result of that execution would come back to nobody.
class CacheShardEnds : public CacheShard {
 public:
  void start_flight_and_end(caf::exit_reason reason) {
    spawn(enabled());
    submit(1, "x");
    submit(2, "x");
    run_only({resumable_of(shard)});
    caf::anon_send_exit(shard, reason);
    run_only({resumable_of(shard)});
    run();
  }
};

TEST_F(CacheShardEnds, CrashedShardRunsItsWaitersJobsAgain) {
  start_flight_and_end(caf::exit_reason::kill);
  for (uint64_t id : {1, 2}) {
    auto r = result(id);
    EXPECT_EQ(r.status, job_status::ok) << r.error;
    EXPECT_EQ(r.output.substr(0, 2), "x#");
  }
  // The lost execution and one more for each waiter.
  EXPECT_EQ(*runs, 3);
}

TEST_F(CacheShardEnds, CrashedShardAnswersJobsOfSkillsThatMustNotRunTwice) {
  idempotent = false;
  start_flight_and_end(caf::exit_reason::kill);
  for (uint64_t id : {1, 2}) {
    auto r = result(id);
    EXPECT_EQ(r.status, job_status::internal);
    EXPECT_NE(r.error.find("not idempotent"), std::string::npos) << r.error;
  }
  EXPECT_EQ(*runs, 1);
}

TEST_F(CacheShardEnds, StoppedShardCancelsItsWaitersJobs) {
  start_flight_and_end(caf::exit_reason::user_shutdown);
  for (uint64_t id : {1, 2}) {
    auto r = result(id);
    EXPECT_EQ(r.status, job_status::cancelled);
    EXPECT_NE(r.error.find("stopped"), std::string::npos) << r.error;
  }
}

} // namespace

TEST_F(CacheShard, AWaiterEndsAtItsOwnDeadlineWhileTheExecutionGoesOn) {
  // A runner that holds every job until the test answers it.
  using held_job = std::pair<job, troupe::result_sink_actor>;
  auto held = std::make_shared<std::vector<held_job>>();
  auto runner
    = sys().spawn([held]() -> troupe::job_runner_actor::behavior_type {
        return {[held](job& j, troupe::result_sink_actor& sink) {
          held->emplace_back(j, sink);
        }};
      });
  stop_at_end(runner);
  troupe::cache::cache_shard_config cfg;
  cfg.node_name = "cache-node";
  cfg.policies.emplace("calc", enabled());
  cfg.timeouts.emplace("calc", 60s);
  shard = sys().spawn(troupe::cache::cache_shard, cfg);
  stop_at_end(shard);
  auto key = troupe::cache::cache_digest("calc", "3", "x");
  auto first = make_job(1, "calc", "x");
  auto second = make_job(2, "calc", "x");
  second.options.timeout = 1s;
  caf::anon_send(shard, first, key, runner, rec.handle());
  caf::anon_send(shard, second, key, runner, rec.handle());
  run();
  ASSERT_EQ(held->size(), 1u) << "one execution for both";
  // The second job's own deadline passes long before the execution's.
  advance(1100ms);
  EXPECT_EQ(rec.count(1), 0u);
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::timeout);
  // The execution still answers the first job, and only it.
  troupe::job_result r;
  r.id = held->front().first.id;
  r.status = job_status::ok;
  r.output = "x#1";
  r.skill = "calc";
  caf::anon_send(held->front().second, r);
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::ok);
  EXPECT_EQ(rec.count(2), 1u);
}
