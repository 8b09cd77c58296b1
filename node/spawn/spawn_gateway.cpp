#include "actors/ingress/gateway.hpp"
#include "actors/log/logging.hpp"
#include "messages/errors.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

#include <caf/send.hpp>

#include <prometheus/counter.h>

#include <algorithm>

namespace troupe::node {

supervision::child_spec spawn_gateway(const tree_context& tc,
                                      const skills::skill_catalog& catalog) {
  auto& cfg = tc.cfg;
  ingress::gateway_config gc;
  gc.node_name = tc.name;
  gc.max_message_bytes = std::max<uint64_t>(cfg.max_job_bytes * 4,
                                            cfg.max_job_bytes + (1 << 20));
  gc.metrics = tc.metrics != nullptr ? tc.metrics->jobs() : nullptr;
  gc.default_timeout = cfg.default_timeout;
  gc.skill_timeouts = skill_timeouts(catalog);
  if (tc.metrics != nullptr) {
    auto* faults = &tc.metrics->internal_faults("gateway");
    gc.on_internal_fault = [faults] {
      faults->Increment();
    };
  }
  gc.membership = tc.name_of<membership_actor>(tree_path::membership);
  gc.health = tc.name_of<health_monitor_actor>(tree_path::health);
  gc.crash_hook = cfg.test_skills;
  gc.keeper = tc.name_of<keeper_actor>(tree_path::keeper);
  // Supervised: jobs the door sends the gateway's name while it restarts,
  // or that a crashed incarnation never read, go on to the next one.
  return supervised_child<gateway_actor, ingress::gateway_state>(
    tc, tree_path::gateway, "the gateway", any_but_results,
    [gc, router = tc.name_of<router_actor>(tree_path::router)](
      gateway_actor::stateful_pointer<ingress::gateway_state> self,
      const supervisor_actor& tree) {
      auto x = gc;
      x.tree = tree;
      return ingress::gateway(self, std::move(x), router);
    });
}

} // namespace troupe::node
