#include "node/spawn/cache_setup.hpp"

#include "actors/log/logging.hpp"
#include "cluster/shard_ring.hpp"

#include <caf/scoped_actor.hpp>

namespace troupe::node {

std::optional<cache::cache_shard_config>
plan_cache(const config::node_config& cfg, const skills::skill_catalog& catalog,
           node_metrics* metrics, const std::string& node_name,
           ingress::router_config& rc) {
  cache::cache_shard_config base;
  for (auto& skill : catalog.all())
    if (skill->cache.enabled) {
      base.policies.emplace(skill->name, skill->cache);
      if (!skill->idempotent)
        base.not_idempotent.insert(skill->name);
      base.timeouts.emplace(skill->name, skill->timeout > caf::timespan{0}
                                           ? skill->timeout
                                           : cfg.default_timeout);
      rc.cached_skills.emplace(skill->name, skill->version);
    }
  auto n = cfg.cache.shards;
  if (n == 0 || base.policies.empty()) {
    rc.cached_skills.clear();
    return std::nullopt;
  }
  base.node_name = node_name;
  base.budget = cfg.cache.budget / n;
  base.admission = cfg.cache.admission;
  base.refresh_rate = cfg.cache.refresh_rate / n;
  if (metrics != nullptr) {
    base.metrics = metrics->cache();
    base.jobs = metrics->jobs();
    rc.cache_metrics = metrics->cache();
  }
  rc.cache_shards.assign(n, cache_shard_actor{});
  rc.cache_owner = [n](const cache_key& key) {
    return cluster::local_ring::jump_hash(key.w1, n);
  };
  log::node().info("result cache: {} shard(s), {} bytes, caching {} skill(s)",
                   n, cfg.cache.budget, rc.cached_skills.size());
  return base;
}

void run_preload_jobs(caf::actor_system& sys, const router_actor& router,
                      const std::vector<config::preload_job>& jobs,
                      caf::timespan timeout) {
  if (jobs.empty())
    return;
  caf::scoped_actor self{sys};
  auto sink = caf::actor_cast<result_sink_actor>(caf::actor{self});
  for (size_t i = 0; i < jobs.size(); ++i) {
    job j;
    j.id = i;
    j.skill = jobs[i].skill;
    j.input = jobs[i].input;
    self->send(router, std::move(j), sink);
  }
  size_t ok = 0;
  size_t answered = 0;
  bool waiting = true;
  while (waiting && answered < jobs.size())
    self->receive(
      [&](job_result& r) {
        ++answered;
        if (r.status == job_status::ok)
          ++ok;
        else
          log::node().warn("preload job {} (skill {}) failed: {}: {}", r.id,
                           r.skill, to_string(r.status), r.error);
      },
      caf::after(timeout) >>
        [&] {
          waiting = false;
        });
  log::node().info("preloaded the cache: {} of {} job(s) ok{}", ok, jobs.size(),
                   answered < jobs.size() ? " (the rest did not finish in time)"
                                          : "");
}

} // namespace troupe::node
