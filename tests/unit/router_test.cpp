#include "actors/job_metrics.hpp"
#include "actors/router.hpp"
#include "actors/worker_pool.hpp"
#include "messages/atoms.hpp"
#include "messages/node_status.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::job_status;
using troupe::node_status;
using troupe::router_actor;
using troupe::router_config;
using troupe::skill_list;
using troupe::worker_pool_actor;
using troupe::worker_pool_config;
using troupe::test::echo_skill;
using troupe::test::make_job;
using troupe::test::result_recorder;
using troupe::test::resumable_of;

class Router : public troupe::test::actor_test {
 public:
  Router() : rec(sys()) {}

  worker_pool_actor spawn_pool(const std::string& skill, uint32_t workers = 1) {
    worker_pool_config cfg;
    cfg.metrics = metrics;
    cfg.node_name = "router-node";
    cfg.min_workers = cfg.max_workers = workers;
    cfg.queue_capacity = 100;
    cfg.default_timeout = 60s;
    auto pool = sys().spawn(troupe::worker_pool, echo_skill(skill), cfg);
    stop_at_end(pool);
    return pool;
  }

  /// A router over echo pools named `skills`.
  router_actor spawn_router(std::vector<std::string> skills,
                            uint64_t max_job_bytes = 1024) {
    std::unordered_map<std::string, worker_pool_actor> by_skill;
    for (auto& s : skills)
      by_skill.emplace(s, spawn_pool(s));
    pools = by_skill;
    router_config cfg;
    cfg.node_name = "router-node";
    cfg.address = "127.0.0.1:4710";
    cfg.max_job_bytes = max_job_bytes;
    cfg.metrics = metrics;
    auto r = sys().spawn(troupe::router, cfg, std::move(by_skill));
    stop_at_end(r);
    return r;
  }

  void submit(const router_actor& r, troupe::job j) {
    caf::anon_send(r, std::move(j), rec.handle());
  }

  result_recorder rec;
  /// Set before spawning to give the router and its pools metrics.
  troupe::job_metrics_ptr metrics;
  /// The pools of the last router spawned, by skill.
  std::unordered_map<std::string, worker_pool_actor> pools;
};

TEST_F(Router, UnknownSkillIsRejectedWithTheAvailableSkills) {
  auto r = spawn_router({"echo", "alpha"});
  submit(r, make_job(3, "nope", "x"));
  run();
  ASSERT_EQ(rec.count(3), 1u);
  auto res = *rec.find(3);
  EXPECT_EQ(res.status, job_status::unknown_skill);
  EXPECT_NE(res.error.find("'nope'"), std::string::npos) << res.error;
  // Sorted, comma-separated.
  EXPECT_NE(res.error.find("available: alpha, echo"), std::string::npos)
    << res.error;
  EXPECT_EQ(res.skill, "nope");
  EXPECT_EQ(res.node, "router-node");
  EXPECT_EQ(rec.results().size(), 1u);
}

TEST_F(Router, EmptySkillIsBadInput) {
  auto r = spawn_router({"echo"});
  submit(r, make_job(4, "", "x"));
  run();
  ASSERT_EQ(rec.count(4), 1u);
  auto res = *rec.find(4);
  EXPECT_EQ(res.status, job_status::bad_input);
  EXPECT_NE(res.error.find("no skill"), std::string::npos) << res.error;
  EXPECT_NE(res.error.find("echo"), std::string::npos) << res.error;
}

TEST_F(Router, OversizedInputIsBadInputNamingTheLimit) {
  auto r = spawn_router({"echo"}, 16);
  submit(r, make_job(5, "echo", std::string(17, 'x')));
  run();
  ASSERT_EQ(rec.count(5), 1u);
  auto res = *rec.find(5);
  EXPECT_EQ(res.status, job_status::bad_input);
  EXPECT_NE(res.error.find("max-job-bytes"), std::string::npos) << res.error;
  EXPECT_NE(res.error.find("17"), std::string::npos) << res.error;
  EXPECT_NE(res.error.find("16"), std::string::npos) << res.error;
  EXPECT_TRUE(res.output.empty());
}

TEST_F(Router, InputAtTheLimitIsAccepted) {
  auto r = spawn_router({"echo"}, 16);
  submit(r, make_job(6, "echo", std::string(16, 'x')));
  run();
  ASSERT_EQ(rec.count(6), 1u);
  EXPECT_EQ(rec.find(6)->status, job_status::ok);
  EXPECT_EQ(rec.find(6)->output, std::string(16, 'x'));
}

TEST_F(Router, KnownSkillIsForwardedToItsPool) {
  auto r = spawn_router({"echo", "other"});
  submit(r, make_job(1, "echo", "via router"));
  submit(r, make_job(2, "other", "to the other pool"));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::ok);
  EXPECT_EQ(rec.find(1)->output, "via router");
  EXPECT_EQ(rec.find(1)->skill, "echo");
  EXPECT_EQ(rec.find(1)->attempts, 1u);
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
  EXPECT_EQ(rec.find(2)->skill, "other");
}

TEST_F(Router, SkillNamesAreCaseSensitive) {
  auto r = spawn_router({"echo"});
  submit(r, make_job(1, "ECHO", "x"));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::unknown_skill);
}

TEST_F(Router, SkillsRequestReturnsSortedSkills) {
  auto r = spawn_router({"zeta", "alpha", "mid"});
  auto list = ask<skill_list>(r, troupe::atom::skills::value);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->skills.size(), 3u);
  EXPECT_EQ(list->skills[0].name, "alpha");
  EXPECT_EQ(list->skills[1].name, "mid");
  EXPECT_EQ(list->skills[2].name, "zeta");
  for (auto& s : list->skills) {
    EXPECT_EQ(s.workers, 1u) << s.name;
    EXPECT_EQ(s.queue_capacity, 100u) << s.name;
    EXPECT_EQ(s.description, "test skill " + s.name);
  }
}

TEST_F(Router, SkillsRequestWithoutPoolsIsEmpty) {
  auto r = spawn_router({});
  auto list = ask<skill_list>(r, troupe::atom::skills::value);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->skills.empty());
}

TEST_F(Router, StatusRequestDescribesTheNode) {
  auto r = spawn_router({"beta", "alpha"});
  auto st = ask<node_status>(r, troupe::atom::status::value);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->name, "router-node");
  EXPECT_EQ(st->address, "127.0.0.1:4710");
  EXPECT_FALSE(st->version.empty());
  ASSERT_EQ(st->skills.size(), 2u);
  EXPECT_EQ(st->skills[0].name, "alpha");
  EXPECT_EQ(st->skills[1].name, "beta");
  EXPECT_EQ(st->in_flight, 0u);
  // No metrics configured: no counts.
  EXPECT_TRUE(st->counts.empty());
}

TEST_F(Router, StatusSumsInFlightJobsOfAllPools) {
  auto r = spawn_router({"alpha", "beta"});
  submit(r, make_job(1, "alpha"));
  submit(r, make_job(2, "alpha"));
  submit(r, make_job(3, "beta"));
  auto pending = start_request<node_status>(r, troupe::atom::status::value);
  // Run everything but the workers, so the jobs stay in flight.
  run_only({resumable_of(r), resumable_of(pools.at("alpha")),
            resumable_of(pools.at("beta")), resumable_of(last_requester()),
            resumable_of(rec.handle())});
  ASSERT_TRUE(pending->done);
  ASSERT_TRUE(pending->value);
  auto& st = *pending->value;
  EXPECT_EQ(st.in_flight, 3u);
  ASSERT_EQ(st.skills.size(), 2u);
  EXPECT_EQ(st.skills[0].in_flight, 2u);
  EXPECT_EQ(st.skills[0].busy, 1u);
  EXPECT_EQ(st.skills[0].queued, 1u);
  EXPECT_EQ(st.skills[1].in_flight, 1u);
  EXPECT_TRUE(rec.results().empty());
  run();
  EXPECT_EQ(rec.results().size(), 3u);
  for (uint64_t id = 1; id <= 3; ++id)
    EXPECT_EQ(rec.count(id), 1u);
  auto after = ask<node_status>(r, troupe::atom::status::value);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->in_flight, 0u);
}

TEST_F(Router, StatusStillAnswersWhenAPoolIsGone) {
  auto r = spawn_router({"alpha", "beta"});
  run();
  caf::anon_send_exit(pools.at("beta"), caf::exit_reason::kill);
  run();
  auto list = ask<skill_list>(r, troupe::atom::skills::value);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->skills.size(), 2u);
  EXPECT_EQ(list->skills[0].name, "alpha");
  EXPECT_EQ(list->skills[0].workers, 1u);
  // The dead pool is listed by name, without load figures.
  EXPECT_EQ(list->skills[1].name, "beta");
  EXPECT_EQ(list->skills[1].workers, 0u);
}

// The count of (skill, status) in `counts`, 0 if absent.
uint64_t count_of(const std::vector<troupe::job_count>& counts,
                  const std::string& skill, job_status st) {
  for (auto& c : counts)
    if (c.skill == skill && c.status == st)
      return c.count;
  return 0;
}

TEST_F(Router, StatusCountsResultsPerSkillAndStatus) {
  prometheus::Registry registry;
  metrics = std::make_shared<troupe::job_metrics>(registry);
  auto r = spawn_router({"echo"}, 8);
  submit(r, make_job(1, "echo", "ok"));
  submit(r, make_job(2, "echo", "ok again"));
  submit(r, make_job(3, "echo", std::string(9, 'x')));
  submit(r, make_job(4, "", "x"));
  run();
  EXPECT_EQ(rec.results().size(), 4u);
  auto st = ask<node_status>(r, troupe::atom::status::value);
  ASSERT_TRUE(st);
  EXPECT_EQ(count_of(st->counts, "echo", job_status::ok), 2u);
  EXPECT_EQ(count_of(st->counts, "echo", job_status::bad_input), 1u);
  EXPECT_EQ(count_of(st->counts, "-", job_status::bad_input), 1u);
}

// Skill names come from clients: recording each unknown name as its own
// metrics label lets any client grow the registry (and `troupe status`)
// without bound. Unknown skills should be counted under one label.
TEST_F(Router, UnknownSkillNamesDoNotBecomeMetricLabels) {
  prometheus::Registry registry;
  metrics = std::make_shared<troupe::job_metrics>(registry);
  auto r = spawn_router({"echo"});
  for (uint64_t id = 1; id <= 20; ++id)
    submit(r, make_job(id, "random-" + std::to_string(id), "x"));
  run();
  EXPECT_EQ(rec.results().size(), 20u);
  for (auto& c : metrics->counts())
    EXPECT_EQ(c.skill.rfind("random-", 0), std::string::npos)
      << "label for unknown skill " << c.skill;
}

} // namespace
