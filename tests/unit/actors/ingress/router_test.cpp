#include "actors/breaker/breaker.hpp"
#include "actors/cache/cache_digest.hpp"
#include "actors/cache/cache_shard.hpp"
#include "actors/ingress/router.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "actors/pool/worker_pool.hpp"
#include "actors/supervision/registered_name.hpp"
#include "actors/supervision/supervised_actor.hpp"
#include "cluster/cache_ring.hpp"
#include "cluster/cluster_metrics.hpp"
#include "messages/atoms.hpp"
#include "messages/node_status.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::job_status;
using troupe::node_status;
using troupe::router_actor;
using troupe::skill_list;
using troupe::worker_pool_actor;
using troupe::ingress::router_config;
using troupe::pool::worker_pool_config;
using troupe::test::echo_skill;
using troupe::test::make_job;
using troupe::test::result_recorder;
using troupe::test::resumable_of;

// A pool that keeps every job it gets (without answering) and records
// what it is asked to cancel, answering those CANCELLED.
struct kept_jobs {
  std::vector<troupe::job> jobs;
  std::vector<uint64_t> cancelled;
};

worker_pool_actor::behavior_type keeping_pool(worker_pool_actor::pointer self,
                                              std::shared_ptr<kept_jobs> log) {
  return {
    [log](troupe::job& j, troupe::result_sink_actor&) {
      log->jobs.push_back(j);
    },
    [](troupe::atom::done, uint64_t, uint64_t, troupe::job_result&) {},
    [](troupe::atom::lost, uint64_t, uint64_t, troupe::pool::restart_reason,
       const std::string&) {},
    [](troupe::atom::ready, uint64_t) {},
    [self, log](troupe::atom::cancel, const std::vector<uint64_t>& ids,
                const troupe::result_sink_actor& sink) {
      for (auto id : ids) {
        log->cancelled.push_back(id);
        troupe::job_result r;
        r.id = id;
        r.status = job_status::cancelled;
        self->send(sink, std::move(r));
      }
    },
    [](troupe::atom::tick) {},
    [](troupe::atom::status) {
      return troupe::skill_info{};
    },
  };
}

class Router : public troupe::test::actor_test {
 public:
  Router() : rec(sys()) {}

  worker_pool_actor spawn_pool(const std::string& skill, uint32_t workers = 1) {
    troupe::pool::worker_pool_config cfg;
    cfg.metrics = metrics;
    cfg.node_name = "router-node";
    cfg.min_workers = cfg.max_workers = workers;
    cfg.queue_capacity = 100;
    cfg.default_timeout = 60s;
    auto pool = sys().spawn(troupe::pool::worker_pool, echo_skill(skill), cfg);
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
    troupe::ingress::router_config cfg;
    cfg.node_name = "router-node";
    cfg.address = "127.0.0.1:4710";
    cfg.max_job_bytes = max_job_bytes;
    cfg.metrics = metrics;
    auto r = sys().spawn(troupe::ingress::router, cfg, std::move(by_skill));
    stop_at_end(r);
    return r;
  }

  void submit(const router_actor& r, troupe::job j) {
    caf::anon_send(r, std::move(j), rec.handle());
  }

  /// A router over pools that keep their jobs, logging into `logs` by skill.
  router_actor
  spawn_keeping_router(std::map<std::string, std::shared_ptr<kept_jobs>> logs,
                       troupe::ingress::router_config cfg = {}) {
    std::unordered_map<std::string, worker_pool_actor> by_skill;
    for (auto& [skill, log] : logs) {
      by_skill.emplace(skill, sys().spawn(keeping_pool, log));
      stop_at_end(by_skill.at(skill));
    }
    cfg.node_name = "router-node";
    auto r = sys().spawn(troupe::ingress::router, cfg, std::move(by_skill));
    stop_at_end(r);
    return r;
  }

  result_recorder rec;
  /// Set before spawning to give the router and its pools metrics.
  troupe::metrics::job_metrics_ptr metrics;
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

TEST_F(Router, AJobSentAsATypedRequestIsAnsweredWithItsResult) {
  auto r = spawn_router({"echo"});
  auto ok = ask<troupe::job_result>(r, make_job(7, "echo", "x"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, 7u);
  EXPECT_EQ(ok->status, job_status::ok);
  EXPECT_EQ(ok->output, "x");
  // Rejections answer the request too, with the job's own id.
  auto unknown = ask<troupe::job_result>(r, make_job(7, "nope"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->id, 7u);
  EXPECT_EQ(unknown->status, job_status::unknown_skill);
  auto big
    = ask<troupe::job_result>(r, make_job(9, "echo", std::string(2000, 'x')));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->id, 9u);
  EXPECT_EQ(big->status, job_status::bad_input);
}

TEST_F(Router, CancellationGoesOnlyWhereTheSkillsJobsGo) {
  auto echo = std::make_shared<kept_jobs>();
  auto other = std::make_shared<kept_jobs>();
  auto r = spawn_keeping_router({{"echo", echo}, {"other", other}});
  submit(r, make_job(1, "echo", "x"));
  submit(r, make_job(2, "other", "y"));
  run();
  caf::anon_send(r, troupe::atom::cancel::value, std::string{"echo"},
                 std::vector<uint64_t>{1}, rec.handle());
  run();
  EXPECT_EQ(echo->cancelled, std::vector<uint64_t>{1});
  EXPECT_TRUE(other->cancelled.empty());
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::cancelled);
  EXPECT_EQ(rec.count(2), 0u);
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
  metrics = std::make_shared<troupe::metrics::job_metrics>(registry);
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
  metrics = std::make_shared<troupe::metrics::job_metrics>(registry);
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

// -- the cache path -----------------------------------------------------------

namespace {

class RouterCache : public Router {
 public:
  /// A router over echo pools where `cached` skills go through one shard.
  router_actor spawn_cached_router(std::vector<std::string> skills,
                                   std::vector<std::string> cached) {
    std::unordered_map<std::string, worker_pool_actor> by_skill;
    for (auto& s : skills)
      by_skill.emplace(s, spawn_pool(s));
    pools = by_skill;
    troupe::cache::cache_shard_config sc;
    sc.node_name = "router-node";
    troupe::skills::cache_policy policy;
    policy.enabled = true;
    troupe::ingress::router_config cfg;
    for (auto& s : cached) {
      sc.policies.emplace(s, policy);
      cfg.cached_skills.emplace(s, "3");
    }
    shard = sys().spawn(troupe::cache::cache_shard, sc);
    stop_at_end(shard);
    cfg.node_name = "router-node";
    cfg.address = "127.0.0.1:4710";
    cfg.max_job_bytes = 1024;
    cfg.cache_owner = [](const troupe::cache_key&) -> uint32_t {
      return 0;
    };
    cfg.cache_shards = {shard};
    if (extra_cfg)
      extra_cfg(cfg);
    auto r = sys().spawn(troupe::ingress::router, cfg, std::move(by_skill));
    stop_at_end(r);
    return r;
  }

  troupe::cache_shard_actor shard;
  /// Applied to the router's config before spawning.
  std::function<void(troupe::ingress::router_config&)> extra_cfg;
};

troupe::job with_mode(troupe::job j, troupe::cache_mode mode) {
  j.options.cache = mode;
  return j;
}

} // namespace

TEST_F(RouterCache, RepeatedJobsOfACachedSkillAreHits) {
  auto r = spawn_cached_router({"echo", "plain"}, {"echo"});
  submit(r, make_job(1, "echo", "x"));
  run();
  submit(r, make_job(2, "echo", "x"));
  submit(r, make_job(3, "plain", "y"));
  run();
  submit(r, make_job(4, "plain", "y"));
  run();
  EXPECT_FALSE(rec.find(1)->cache_hit);
  EXPECT_TRUE(rec.find(2)->cache_hit);
  EXPECT_EQ(rec.find(2)->output, "x");
  // A skill without a cache policy always runs.
  EXPECT_FALSE(rec.find(3)->cache_hit);
  EXPECT_FALSE(rec.find(4)->cache_hit);
  EXPECT_EQ(rec.find(4)->output, "y");
}

TEST_F(RouterCache, JobsWaitForAShardThatHasNotStartedYet) {
  // The node is starting: the router has the shard's registered name, and
  // the shard runs later.
  auto heirs
    = std::make_shared<troupe::supervision::succession>("cache shard 0", 10);
  auto name
    = troupe::supervision::make_registered_name<troupe::cache_shard_actor>(
      sys(), heirs);
  extra_cfg = [name](troupe::ingress::router_config& cfg) {
    cfg.cache_shards = {name};
  };
  auto r = spawn_cached_router({"echo"}, {"echo"});
  submit(r, make_job(1, "echo", "x"));
  run();
  EXPECT_EQ(rec.count(1), 0u);
  EXPECT_EQ(heirs->buffered(), 1u);
  using impl
    = troupe::supervision::supervised_actor<troupe::cache_shard_actor,
                                            troupe::cache::cache_shard_state>;
  troupe::cache::cache_shard_config sc;
  sc.node_name = "router-node";
  troupe::skills::cache_policy policy;
  policy.enabled = true;
  sc.policies.emplace("echo", policy);
  impl::init_fn init = [sc](impl::pointer self) {
    return troupe::cache::cache_shard(self, sc);
  };
  auto late = sys().spawn<impl>(std::move(init), heirs, nullptr);
  stop_at_end(late);
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::ok);
  // It went through the shard: the same job is now a hit.
  submit(r, make_job(2, "echo", "x"));
  run();
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_TRUE(rec.find(2)->cache_hit);
}

TEST_F(RouterCache, BypassNeitherReadsNorWritesTheCache) {
  auto r = spawn_cached_router({"echo"}, {"echo"});
  submit(r, with_mode(make_job(1, "echo", "x"), troupe::cache_mode::bypass));
  run();
  submit(r, with_mode(make_job(2, "echo", "x"), troupe::cache_mode::bypass));
  run();
  EXPECT_FALSE(rec.find(1)->cache_hit);
  EXPECT_FALSE(rec.find(2)->cache_hit);
  // Nothing was stored: a normal job misses.
  submit(r, make_job(3, "echo", "x"));
  run();
  EXPECT_FALSE(rec.find(3)->cache_hit);
  submit(r, with_mode(make_job(4, "echo", "x"), troupe::cache_mode::bypass));
  run();
  EXPECT_FALSE(rec.find(4)->cache_hit);
  auto st = ask<node_status>(r, troupe::atom::status::value);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->cache.bypassed, 3u);
  EXPECT_EQ(st->cache.misses, 1u);
  EXPECT_EQ(st->cache.hits, 0u);
}

TEST_F(RouterCache, StatusSumsTheShards) {
  auto r = spawn_cached_router({"echo"}, {"echo"});
  submit(r, make_job(1, "echo", "x"));
  run();
  submit(r, make_job(2, "echo", "x"));
  run();
  auto st = ask<node_status>(r, troupe::atom::status::value);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->cache.shards, 1u);
  EXPECT_EQ(st->cache.hits, 1u);
  EXPECT_EQ(st->cache.misses, 1u);
  EXPECT_EQ(st->cache.entries, 1u);
  ASSERT_EQ(st->cache.skills.size(), 1u);
  EXPECT_EQ(st->cache.skills[0].skill, "echo");
}

TEST_F(RouterCache, WithoutAShardLookupNothingIsCached) {
  // A config naming cached skills but no ring must not crash the router.
  troupe::ingress::router_config cfg;
  cfg.node_name = "router-node";
  cfg.cached_skills.emplace("echo", "1");
  std::unordered_map<std::string, worker_pool_actor> by_skill;
  by_skill.emplace("echo", spawn_pool("echo"));
  auto r = sys().spawn(troupe::ingress::router, cfg, std::move(by_skill));
  stop_at_end(r);
  submit(r, make_job(1, "echo", "x"));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::ok);
}

// -- the cluster's cache: jobs go to their key's owner -----------------------

namespace {

using troupe::member;
using troupe::member_status;
using troupe::cluster::cache_ring;

/// What a dispatcher was asked to run.
struct dispatched {
  std::string target;
  troupe::job j;
};

class RouterClusterCache : public RouterCache {
 public:
  /// A router over cached echo pools, told that it is "router-node" in a
  /// cluster with "peer", which caches `peer_skills`, and with a dispatcher
  /// that records what it is asked to run.
  router_actor spawn_in_cluster(std::vector<std::string> peer_skills,
                                bool send_view = true) {
    auto sent = this->sent;
    dispatcher
      = sys().spawn([sent]() -> troupe::dispatcher_actor::behavior_type {
          return {
            [sent](troupe::atom::run, std::string& target, troupe::job& j,
                   troupe::result_sink_actor&) {
              sent->push_back({std::move(target), std::move(j)});
            },
            [](troupe::cluster_view&) {},
            [](troupe::atom::leave, std::string&, std::string&, bool,
               troupe::job&, troupe::result_sink_actor&) {},
            [](troupe::atom::restart, const std::string&) {},
            [](troupe::atom::tick) {},
            [](troupe::atom::join) {},
            [](troupe::atom::health) {
              return troupe::health_report{};
            },
          };
        });
    stop_at_end(dispatcher);
    extra_cfg = [this](troupe::ingress::router_config& cfg) {
      cfg.dispatcher = dispatcher;
      cfg.cluster_metrics = cluster_metrics;
    };
    auto r = spawn_cached_router({"echo"}, {"echo"});
    troupe::cluster_view v;
    v.self = "router-node";
    v.members.push_back(node("peer", peer_skills));
    v.members.push_back(node("router-node", {"echo"}));
    members = v.members;
    view = v;
    if (send_view)
      caf::anon_send(r, std::move(v));
    run();
    return r;
  }

  static member node(std::string name, std::vector<std::string> skills) {
    member m;
    m.name = std::move(name);
    m.status = member_status::up;
    for (auto& s : skills) {
      troupe::skill_load l;
      l.name = s;
      l.workers = 1;
      l.idempotent = true;
      l.cached = true;
      l.version = "3";
      m.skills.push_back(l);
    }
    return m;
  }

  troupe::dispatcher_actor dispatcher;
  /// Set before spawning to give the router cluster metrics.
  troupe::cluster::cluster_metrics_ptr cluster_metrics;
  troupe::cluster_view view;
  std::shared_ptr<std::vector<dispatched>> sent
    = std::make_shared<std::vector<dispatched>>();
  std::vector<member> members;
};

} // namespace

TEST_F(RouterClusterCache, AnOriginOutsideTheViewIsNoMetricLabel) {
  prometheus::Registry registry;
  cluster_metrics
    = std::make_shared<troupe::cluster::cluster_metrics>(registry);
  auto r = spawn_in_cluster({"echo"});
  // Jobs another member placed here name their origin; a lying member
  // names anything.
  for (uint64_t id = 1; id <= 20; ++id) {
    auto j = with_mode(make_job(id, "echo", "x"), troupe::cache_mode::bypass);
    j.options.placed = true;
    j.options.origin = id % 2 == 0 ? "peer" : "ghost-" + std::to_string(id);
    submit(r, std::move(j));
  }
  run();
  std::set<std::string> peers;
  for (auto& family : registry.Collect())
    if (family.name == "troupe_remote_jobs_total")
      for (auto& m : family.metric)
        for (auto& label : m.label)
          if (label.name == "peer")
            peers.insert(label.value);
  EXPECT_EQ(peers, (std::set<std::string>{"-", "peer"}));
}

TEST_F(RouterClusterCache, JobsGoToTheMemberOwningTheirKey) {
  auto r = spawn_in_cluster({"echo"});
  std::map<uint64_t, std::string> owner_of;
  for (uint64_t id = 1; id <= 64; ++id) {
    auto input = "in-" + std::to_string(id);
    auto key = troupe::cache::cache_digest("echo", "3", input);
    owner_of[id]
      = troupe::cluster::cache_ring::owner(members, "echo", key)->name;
    submit(r, make_job(id, "echo", input));
  }
  run();
  size_t remote = 0;
  for (auto& d : *sent) {
    EXPECT_EQ(d.target, "peer");
    EXPECT_EQ(owner_of[d.j.id], "peer") << "job " << d.j.id;
    EXPECT_TRUE(d.j.options.cache_lookup);
    EXPECT_EQ(d.j.options.origin, "router-node");
    ++remote;
  }
  for (auto& [id, owner] : owner_of)
    if (owner == "router-node") {
      ASSERT_EQ(rec.count(id), 1u) << "job " << id;
      EXPECT_EQ(rec.find(id)->output, "in-" + std::to_string(id));
    } else {
      EXPECT_EQ(rec.count(id), 0u) << "job " << id;
    }
  // Both members own a share of 64 keys.
  EXPECT_GT(remote, 0u);
  EXPECT_LT(remote, 64u);
}

TEST_F(RouterClusterCache, AJobForASkillOfferedElsewhereWaitsForTheFirstView) {
  // A (re)started router knows no members yet: a job for a skill only a
  // peer offers must not end UNKNOWN_SKILL for that.
  auto r = spawn_in_cluster({"echo", "sha256"}, false);
  submit(r, make_job(1, "sha256", "abc"));
  submit(r, make_job(2, "echo", "here"));
  run();
  EXPECT_EQ(rec.count(1), 0u);
  EXPECT_TRUE(sent->empty());
  // Jobs of its own skills do not wait.
  EXPECT_EQ(rec.count(2), 1u);
  caf::anon_send(r, view);
  run();
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ(sent->front().target, "peer");
  EXPECT_EQ(sent->front().j.id, 1u);
}

TEST_F(RouterClusterCache, WithoutAViewInTimeHeldJobsEndUnknownSkill) {
  auto r = spawn_in_cluster({"echo", "sha256"}, false);
  submit(r, make_job(1, "sha256", "abc"));
  run();
  EXPECT_EQ(rec.count(1), 0u);
  advance(std::chrono::seconds(6));
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::unknown_skill);
}

// Waiting for the view counts against a job's time: its deadline is set
// when it comes in, from its own timeout or the node's default.
TEST_F(RouterClusterCache, AJobHeldForTheViewKeepsTheDeadlineItCameWith) {
  auto r = spawn_in_cluster({"echo", "sha256"}, false);
  auto t0 = sys().clock().now();
  auto own = make_job(1, "sha256", "abc");
  own.options.timeout = 5s;
  submit(r, own);
  submit(r, make_job(2, "sha256", "def"));
  run();
  advance(2s);
  caf::anon_send(r, view);
  run();
  ASSERT_EQ(sent->size(), 2u);
  std::map<uint64_t, troupe::job> got;
  for (auto& d : *sent)
    got[d.j.id] = d.j;
  EXPECT_EQ(got[1].options.deadline, t0 + 5s);
  EXPECT_EQ(got[2].options.deadline, t0 + 60s);
}

TEST_F(RouterClusterCache, AJobHeldForTheViewIsCancelledThere) {
  auto r = spawn_in_cluster({"echo", "sha256"}, false);
  submit(r, make_job(1, "sha256", "abc"));
  submit(r, make_job(2, "sha256", "def"));
  run();
  EXPECT_EQ(rec.count(1), 0u);
  caf::anon_send(r, troupe::atom::cancel::value, std::string{"sha256"},
                 std::vector<uint64_t>{1}, rec.handle());
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::cancelled);
  // The view comes: only the job not cancelled goes on.
  caf::anon_send(r, view);
  run();
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ(sent->front().j.id, 2u);
  EXPECT_EQ(rec.count(1), 1u);
}

TEST_F(RouterClusterCache, ASkillCachedOnlyElsewhereGoesToItsOwner) {
  auto r = spawn_in_cluster({"echo", "sha256"});
  submit(r, make_job(1, "sha256", "abc"));
  run();
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ(sent->front().target, "peer");
  EXPECT_TRUE(sent->front().j.options.cache_lookup);
}

TEST_F(RouterClusterCache, AJobKeepsOneCorrelationIdAcrossMembers) {
  auto r = spawn_in_cluster({"echo", "sha256"});
  // A job without one gets one here; a client's own is kept.
  submit(r, make_job(1, "sha256", "abc"));
  auto chosen = make_job(2, "sha256", "def");
  chosen.options.trace = 0x5eed;
  submit(r, chosen);
  auto another = make_job(3, "sha256", "ghi");
  submit(r, another);
  run();
  ASSERT_EQ(sent->size(), 3u);
  std::map<uint64_t, uint64_t> trace_of;
  for (auto& d : *sent)
    trace_of[d.j.id] = d.j.options.trace;
  EXPECT_NE(trace_of[1], 0u);
  EXPECT_EQ(trace_of[2], 0x5eedu);
  EXPECT_NE(trace_of[3], 0u);
  EXPECT_NE(trace_of[1], trace_of[3]);
}

TEST_F(RouterClusterCache, ALookupSentHereIsAnsweredFromThisNodesCache) {
  auto r = spawn_in_cluster({"echo"});
  for (uint64_t id = 1; id <= 2; ++id) {
    auto j = make_job(id, "echo", "same");
    j.options.placed = true;
    j.options.cache_lookup = true;
    j.options.origin = "peer";
    submit(r, j);
    run();
  }
  EXPECT_TRUE(sent->empty());
  ASSERT_EQ(rec.count(1), 1u);
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_FALSE(rec.find(1)->cache_hit);
  EXPECT_TRUE(rec.find(2)->cache_hit);
}

TEST_F(RouterClusterCache, BypassingJobsArePlacedByLoad) {
  auto r = spawn_in_cluster({"echo"});
  for (uint64_t id = 1; id <= 16; ++id)
    submit(r, with_mode(make_job(id, "echo", "in-" + std::to_string(id)),
                        troupe::cache_mode::bypass));
  run();
  for (auto& d : *sent)
    EXPECT_FALSE(d.j.options.cache_lookup);
  size_t local = 0;
  for (uint64_t id = 1; id <= 16; ++id) {
    if (rec.count(id) == 1) {
      EXPECT_FALSE(rec.find(id)->cache_hit);
      ++local;
    }
  }
  // Every job went exactly one way.
  EXPECT_EQ(local + sent->size(), 16u);
  auto st = ask<node_status>(r, troupe::atom::status::value);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->cache.misses, 0u);
}

namespace {

// -- breakers
// -------------------------------------------------------------------

class RouterBreaker : public RouterCache {
 public:
  /// Puts a breaker in front of the pool of `skill` (spawned by
  /// spawn_router or spawn_cached_router, whose config it joins).
  troupe::breaker_actor breaker_for(const std::string& skill) {
    auto def
      = std::make_shared<troupe::skills::skill_definition>(*echo_skill(skill));
    def->breaker.enabled = true;
    troupe::breaker::breaker_config bc;
    bc.node_name = "router-node";
    auto b = sys().spawn(troupe::breaker::breaker, std::move(def),
                         pools.at(skill), bc);
    stop_at_end(b);
    return b;
  }

  router_actor spawn_with_breaker(std::vector<std::string> skills,
                                  const std::string& guarded,
                                  bool cached = false) {
    if (cached) {
      auto r = spawn_cached_router(skills, {guarded});
      // The cached router is spawned already; build a second one with the
      // same shard and the breaker, as a node would from the start.
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    } else {
      std::unordered_map<std::string, worker_pool_actor> by_skill;
      for (auto& s : skills)
        by_skill.emplace(s, spawn_pool(s));
      pools = by_skill;
    }
    breaker = breaker_for(guarded);
    troupe::ingress::router_config cfg;
    cfg.node_name = "router-node";
    cfg.breakers.emplace(guarded, breaker);
    if (cached) {
      cfg.cached_skills.emplace(guarded, "3");
      cfg.cache_owner = [](const troupe::cache_key&) -> uint32_t {
        return 0;
      };
      cfg.cache_shards = {shard};
    }
    auto r = sys().spawn(troupe::ingress::router, cfg, pools);
    stop_at_end(r);
    run();
    return r;
  }

  troupe::breaker_status command(const router_actor& r,
                                 const std::string& skill,
                                 troupe::breaker_command cmd) {
    auto st = ask<troupe::breaker_status>(r, troupe::atom::breaker::value,
                                          skill, cmd);
    return st ? *st : troupe::breaker_status{};
  }

  troupe::breaker_actor breaker;
};

} // namespace

TEST_F(RouterBreaker, JobsOfAGuardedSkillGoThroughItsBreaker) {
  auto r = spawn_with_breaker({"echo", "plain"}, "echo");
  auto st = command(r, "echo", troupe::breaker_command::force_open);
  EXPECT_EQ(st.skill, "echo");
  EXPECT_EQ(st.state, troupe::circuit_state::forced_open);
  submit(r, make_job(1, "echo", "x"));
  submit(r, make_job(2, "plain", "y"));
  run();
  EXPECT_EQ(rec.find(1)->status, job_status::breaker_open);
  // Other skills are not affected.
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
  command(r, "echo", troupe::breaker_command::reset);
  submit(r, make_job(3, "echo", "x"));
  run();
  EXPECT_EQ(rec.find(3)->status, job_status::ok);
  EXPECT_EQ(rec.find(3)->output, "x");
}

TEST_F(RouterBreaker, CommandsForSkillsWithoutABreakerAreRefused) {
  auto r = spawn_with_breaker({"echo", "plain"}, "echo");
  for (auto skill : {"plain", "nope"}) {
    auto out = start_request<troupe::breaker_status>(
      r, troupe::atom::breaker::value, std::string{skill},
      troupe::breaker_command::force_open);
    run();
    ASSERT_TRUE(out->done);
    ASSERT_TRUE(out->error) << skill;
    auto text = sys().render(out->error);
    EXPECT_NE(text.find(skill), std::string::npos) << text;
  }
  auto out = start_request<troupe::breaker_status>(
    r, troupe::atom::breaker::value, std::string{"nope"},
    troupe::breaker_command::show);
  run();
  EXPECT_NE(sys().render(out->error).find("it has: echo, plain"),
            std::string::npos);
}

TEST_F(RouterBreaker, CommandsWaitForABreakerThatIsStarting) {
  std::unordered_map<std::string, worker_pool_actor> by_skill;
  by_skill.emplace("echo", spawn_pool("echo"));
  pools = by_skill;
  troupe::ingress::router_config cfg;
  cfg.node_name = "router-node";
  cfg.supervised = true;
  // The router has the breaker's registered name; the breaker runs later.
  auto heirs = std::make_shared<troupe::supervision::succession>(
    "the breaker of skill echo", 10);
  cfg.breakers.emplace(
    "echo", troupe::supervision::make_registered_name<troupe::breaker_actor>(
              sys(), heirs));
  auto r = sys().spawn(troupe::ingress::router, cfg, pools);
  stop_at_end(r);
  auto out = start_request<troupe::breaker_status>(
    r, troupe::atom::breaker::value, std::string{"echo"},
    troupe::breaker_command::force_open);
  run();
  EXPECT_FALSE(out->done);
  using impl
    = troupe::supervision::supervised_actor<troupe::breaker_actor,
                                            troupe::breaker::breaker_state>;
  auto def
    = std::make_shared<troupe::skills::skill_definition>(*echo_skill("echo"));
  def->breaker.enabled = true;
  troupe::breaker::breaker_config bc;
  bc.node_name = "router-node";
  bc.supervised = true;
  bc.router = r;
  auto pool = troupe::job_runner_actor{pools.at("echo")};
  impl::init_fn init = [def, pool, bc](impl::pointer self) {
    return troupe::breaker::breaker(self, def, pool, bc);
  };
  auto b = sys().spawn<impl>(std::move(init), heirs, nullptr);
  stop_at_end(b);
  run();
  ASSERT_TRUE(out->done);
  ASSERT_FALSE(out->error) << sys().render(out->error);
  EXPECT_EQ(out->value->state, troupe::circuit_state::forced_open);
}

TEST_F(RouterBreaker, StatusListsTheBreakers) {
  auto r = spawn_with_breaker({"echo", "plain"}, "echo");
  command(r, "echo", troupe::breaker_command::force_close);
  auto st = ask<node_status>(r, troupe::atom::status::value);
  ASSERT_TRUE(st);
  ASSERT_EQ(st->breakers.size(), 1u);
  EXPECT_EQ(st->breakers[0].skill, "echo");
  EXPECT_EQ(st->breakers[0].state, troupe::circuit_state::forced_closed);
}

TEST_F(RouterBreaker, CacheMissesGoThroughTheBreaker) {
  auto r = spawn_with_breaker({"echo"}, "echo", true);
  command(r, "echo", troupe::breaker_command::force_open);
  submit(r, make_job(1, "echo", "x"));
  run();
  EXPECT_EQ(rec.find(1)->status, job_status::breaker_open);
  command(r, "echo", troupe::breaker_command::reset);
  // The rejection was not cached: the next job runs, the one after hits.
  submit(r, make_job(2, "echo", "x"));
  run();
  submit(r, make_job(3, "echo", "x"));
  run();
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
  EXPECT_FALSE(rec.find(2)->cache_hit);
  EXPECT_TRUE(rec.find(3)->cache_hit);
}
