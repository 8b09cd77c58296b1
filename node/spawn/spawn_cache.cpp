#include "actors/cache/cache_shard.hpp"
#include "actors/log/logging.hpp"
#include "cluster/shard_ring.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

namespace troupe::node {

namespace {

// The configuration of each of the node's `[cache] shards` shards (none
// when that is 0 or no skill caches its results), and the router's side:
// the cached skills and a one-node ring (cluster/shard_ring) over
// `rc.cache_shards`, one slot per shard for its registered name.
std::optional<cache::cache_shard_config>
plan_cache(const tree_context& tc, const skills::skill_catalog& catalog,
           ingress::router_config& rc) {
  auto& cfg = tc.cfg;
  cache::cache_shard_config base;
  base.default_timeout = cfg.default_timeout;
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
  base.node_name = tc.name;
  base.budget = cfg.cache.budget / n;
  base.admission = cfg.cache.admission;
  base.refresh_rate = cfg.cache.refresh_rate / n;
  if (tc.metrics != nullptr) {
    base.metrics = tc.metrics->cache();
    base.jobs = tc.metrics->jobs();
    rc.cache_metrics = tc.metrics->cache();
  }
  rc.cache_shards.assign(n, cache_shard_actor{});
  rc.cache_owner = [n](const cache_key& key) {
    return cluster::local_ring::jump_hash(key.w1, n);
  };
  log::node().info("result cache: {} shard(s), {} bytes, caching {} skill(s)",
                   n, cfg.cache.budget, rc.cached_skills.size());
  return base;
}

} // namespace

std::optional<supervision::child_spec>
spawn_cache(const tree_context& tc, const skills::skill_catalog& catalog,
            ingress::router_config& rc) {
  auto base = plan_cache(tc, catalog, rc);
  if (!base)
    return std::nullopt;
  auto cache = supervisor_for(tc, std::string{tree_path::cache});
  for (size_t i = 0; i < rc.cache_shards.size(); ++i) {
    auto shard_cfg = *base;
    cache.children.push_back(
      supervised_child<cache_shard_actor, cache::cache_shard_state>(
        tc, std::string{tree_path::shard_prefix} + std::to_string(i),
        "cache shard " + std::to_string(i), jobs_and_status,
        [shard_cfg](
          cache_shard_actor::stateful_pointer<cache::cache_shard_state> self,
          const supervisor_actor&) {
          return cache::cache_shard(self, shard_cfg);
        }));
    rc.cache_shards[i] = tc.name_of<cache_shard_actor>(
      std::string{tree_path::shard_prefix} + std::to_string(i));
  }
  return subtree(tc, "cache", cache);
}

} // namespace troupe::node
