#include "cluster/membership.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

#include <caf/send.hpp>

#include <atomic>
#include <memory>
#include <utility>

namespace troupe::node {

supervision::child_spec spawn_membership(const tree_context& tc) {
  cluster::membership_config mc;
  mc.self.name = tc.name;
  mc.self.address = tc.address;
  mc.self.incarnation = tc.incarnation;
  // A restarted membership rejoins as the run its peers know (which may be
  // newer than the node's start, if it was declared down and came back),
  // not as the node's first run, which they would refuse.
  mc.incarnation = std::make_shared<std::atomic<uint64_t>>(tc.incarnation);
  mc.cluster = tc.cfg.cluster;
  if (tc.metrics != nullptr)
    mc.metrics = tc.metrics->cluster();
  auto started = std::make_shared<bool>(false);
  return supervised_child<membership_actor, cluster::membership_state>(
    tc, "membership", "the membership", any_message,
    [mc, tc, started](
      membership_actor::stateful_pointer<cluster::membership_state> self,
      const supervisor_actor& tree) {
      auto x = mc;
      x.router = tc.current<router_actor>(tree_path::router);
      x.tree = tree;
      // A restarted membership joins again through the seeds (the first
      // one joins when the node says so).
      if (std::exchange(*started, true) && !x.cluster.seeds.empty())
        caf::anon_send(caf::actor_cast<membership_actor>(self),
                       atom::join::value);
      return cluster::membership(self, std::move(x));
    });
}

} // namespace troupe::node
