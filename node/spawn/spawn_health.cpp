#include "actors/health/health_monitor.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

namespace troupe::node {

supervision::child_spec spawn_health(const tree_context& tc) {
  health::health_monitor_config hc;
  hc.limits = tc.cfg.health;
  if (tc.metrics != nullptr) {
    hc.jobs = tc.metrics->jobs();
    hc.metrics = tc.metrics->health();
  }
  hc.listeners = tc.listeners;
  return supervised_child<health_monitor_actor, health::health_monitor_state>(
    tc, tree_path::health, "the health monitor", any_message,
    [hc](
      health_monitor_actor::stateful_pointer<health::health_monitor_state> self,
      const supervisor_actor& tree) {
      auto x = hc;
      x.tree = tree;
      return health::health_monitor(self, std::move(x));
    });
}

} // namespace troupe::node
