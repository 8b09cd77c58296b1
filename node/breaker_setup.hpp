#pragma once

#include "actors/router.hpp"
#include "actors/skill.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"
#include "node/node_metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe {

/// Whether the pool of `skill` counts its jobs' results itself: not when a
/// breaker in front of it does (a retried job must count once).
bool pool_counts_results(const skill_definition& skill);

/// Spawns a breaker in front of the pool of every skill of `catalog` that
/// needs one (`needs_breaker`), adds them to `children` and hands them to
/// the router, which sends those skills' jobs through them.
void spawn_breakers(
  caf::actor_system& sys, const node_config& cfg, const skill_catalog& catalog,
  node_metrics* metrics, const std::string& node_name,
  const std::unordered_map<std::string, worker_pool_actor>& pools,
  std::vector<std::pair<std::string, caf::actor>>& children, router_config& rc);

} // namespace troupe
