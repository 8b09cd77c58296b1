#include "cluster/dispatcher.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

namespace troupe::node {

supervision::child_spec spawn_dispatcher(const tree_context& tc) {
  auto& cfg = tc.cfg;
  cluster::dispatcher_config dc;
  dc.links = tc.links;
  dc.self = tc.name;
  dc.default_timeout = cfg.default_timeout;
  dc.limits.max_count = cfg.cluster.link_max_count;
  dc.limits.max_bytes = cfg.cluster.link_max_bytes;
  dc.limits.max_linger = cfg.cluster.link_max_linger;
  if (tc.metrics != nullptr)
    dc.metrics = tc.metrics->batches();
  dc.load = tc.link_load;
  return supervised_child<dispatcher_actor, cluster::dispatcher_state>(
    tc, tree_path::dispatcher, "the dispatcher", any_message,
    [dc, tc](dispatcher_actor::stateful_pointer<cluster::dispatcher_state> self,
             const supervisor_actor&) {
      auto x = dc;
      x.router = tc.name_of<router_actor>(tree_path::router);
      return cluster::dispatcher(self, std::move(x));
    });
}

} // namespace troupe::node
