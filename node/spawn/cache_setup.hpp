#pragma once

#include "actors/cache/cache_shard.hpp"
#include "actors/ingress/router.hpp"
#include "actors/skills/skill.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"
#include "node/spawn/node_metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <optional>
#include <string>
#include <vector>

namespace troupe::node {

/// Plans the node's cache: the configuration of each of its
/// `cfg.cache.shards` shards (none when that is 0 or no skill of `catalog`
/// caches its results), and the router's side: the cached skills and a
/// one-node ring (cluster/shard_ring) over `rc.cache_shards`, which holds a
/// null handle per shard until the node's tree names the shards.
std::optional<cache::cache_shard_config>
plan_cache(const config::node_config& cfg, const skills::skill_catalog& catalog,
           node_metrics* metrics, const std::string& node_name,
           ingress::router_config& rc);

/// Runs the configured preload jobs through `router` and waits (bounded by
/// `timeout`) until each has its result, so that they are cached before the
/// node takes clients. Failures are logged; the node starts regardless.
void run_preload_jobs(caf::actor_system& sys, const router_actor& router,
                      const std::vector<config::preload_job>& jobs,
                      caf::timespan timeout);

} // namespace troupe::node
