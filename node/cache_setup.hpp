#pragma once

#include "actors/router.hpp"
#include "actors/skill.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"
#include "node/node_metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <string>
#include <utility>
#include <vector>

namespace troupe {

/// Spawns the node's cache shards (none when `cfg.cache.shards` is 0 or no
/// skill of `catalog` caches its results), adds them to `children` and
/// points the router at them through a one-node ring (cluster/shard_ring).
void spawn_cache(caf::actor_system& sys, const node_config& cfg,
                 const skill_catalog& catalog, node_metrics* metrics,
                 const std::string& node_name,
                 std::vector<std::pair<std::string, caf::actor>>& children,
                 router_config& rc);

/// Runs the configured preload jobs through `router` and waits (bounded by
/// `timeout`) until each has its result, so that they are cached before the
/// node takes clients. Failures are logged; the node starts regardless.
void run_preload_jobs(caf::actor_system& sys, const router_actor& router,
                      const std::vector<preload_job>& jobs,
                      caf::timespan timeout);

} // namespace troupe
