#include "actors/pool/worker_pool.hpp"
#include "cluster/membership.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

#include <caf/send.hpp>

#include <atomic>
#include <memory>
#include <utility>

namespace troupe::node {

std::vector<skill_load> offered_skills(const tree_context& tc,
                                       const skills::skill_catalog& catalog,
                                       const ingress::router_config& rc) {
  std::vector<skill_load> out;
  for (auto& skill : catalog.all()) {
    skill_load s;
    s.name = skill->name;
    s.version = skill->version;
    s.idempotent = skill->idempotent;
    s.cached = rc.cached_skills.count(skill->name) > 0;
    // An in-pool skill runs one job at a time.
    s.workers = skills::runs_in_pool(*skill)
                  ? 1
                  : pool::make_pool_config(*skill, tc.cfg).max_workers;
    out.push_back(std::move(s));
  }
  return out;
}

supervision::child_spec spawn_membership(const tree_context& tc,
                                         std::vector<skill_load> offered) {
  cluster::membership_config mc;
  mc.self.name = tc.name;
  mc.self.address = tc.address;
  mc.self.incarnation = tc.incarnation;
  // A restarted membership rejoins as the run its peers know (which may be
  // newer than the node's start, if it was declared down and came back),
  // not as the node's first run, which they would refuse.
  mc.incarnation = std::make_shared<std::atomic<uint64_t>>(tc.incarnation);
  mc.cluster = tc.cfg.cluster;
  mc.links = tc.links;
  if (tc.metrics != nullptr)
    mc.metrics = tc.metrics->cluster();
  mc.load = cluster::local_load{std::move(offered), tc.pool_load,
                                tc.metrics != nullptr ? tc.metrics->jobs()
                                                      : nullptr};
  auto started = std::make_shared<bool>(false);
  return supervised_child<membership_actor, cluster::membership_state>(
    tc, tree_path::membership, "the membership", any_message,
    [mc, tc, started](
      membership_actor::stateful_pointer<cluster::membership_state> self,
      const supervisor_actor&) {
      auto x = mc;
      x.health = tc.name_of<health_monitor_actor>(tree_path::health);
      x.listeners = {tc.name_of<view_listener_actor>(tree_path::router),
                     tc.name_of<view_listener_actor>(tree_path::dispatcher)};
      // A restarted membership joins again through the seeds (the first
      // one joins when the node says so).
      if (std::exchange(*started, true) && !x.cluster.seeds.empty())
        caf::anon_send(caf::actor_cast<membership_actor>(self),
                       atom::join::value);
      return cluster::membership(self, std::move(x));
    });
}

} // namespace troupe::node
