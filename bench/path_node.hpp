#pragma once

// The node the job-path benchmarks measure, started the same way by each.

#include "actors/skills/skill.hpp"
#include "config/node_config.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/node_metrics.hpp"

#include <caf/actor_system.hpp>

#include <cstdio>
#include <optional>

namespace troupe::bench {

/// A node on its own, unpublished, running `catalog`, with a queue deep
/// enough for every job a run keeps in flight; none (after saying why on
/// stderr) when it cannot start.
inline std::optional<node::node_handle>
spawn_path_node(caf::actor_system& sys, const skills::skill_catalog& catalog,
                node::node_metrics& metrics) {
  config::node_config ncfg;
  ncfg.queue_capacity = 1'000'000;
  auto node = node::spawn_node(sys, ncfg, catalog, &metrics, false);
  if (!node) {
    std::fprintf(stderr, "cannot start the node: %s\n",
                 sys.render(node.error()).c_str());
    return std::nullopt;
  }
  return std::move(*node);
}

} // namespace troupe::bench
