#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

#include <unordered_map>
#include <vector>

namespace troupe::node {

supervision::child_spec spawn_router(const tree_context& tc,
                                     const skills::skill_catalog& catalog,
                                     ingress::router_config rc) {
  rc.node_name = tc.name;
  rc.address = tc.address;
  rc.max_job_bytes = tc.cfg.max_job_bytes;
  if (tc.metrics != nullptr) {
    rc.metrics = tc.metrics->jobs();
    rc.cluster_metrics = tc.metrics->cluster();
  }
  rc.pool_load = tc.pool_load;
  rc.link_load = tc.link_load;
  rc.default_timeout = tc.cfg.default_timeout;
  rc.skill_timeouts = skill_timeouts(catalog);
  std::vector<std::string> skill_names;
  for (auto& skill : catalog.all())
    skill_names.push_back(skill->name);
  return supervised_child<router_actor, ingress::router_state>(
    tc, tree_path::router, "the router", any_but_results,
    [rc, tc,
     skill_names](router_actor::stateful_pointer<ingress::router_state> self,
                  const supervisor_actor&) {
      auto x = rc;
      x.supervised = true;
      x.dispatcher = tc.name_of<dispatcher_actor>(tree_path::dispatcher);
      std::unordered_map<std::string, worker_pool_actor> pools;
      for (auto& name : skill_names)
        pools.emplace(name, tc.name_of<worker_pool_actor>(
                              std::string{tree_path::skills} + "/" + name));
      return ingress::router(self, std::move(x), std::move(pools));
    });
}

std::unordered_map<std::string, caf::timespan>
skill_timeouts(const skills::skill_catalog& catalog) {
  std::unordered_map<std::string, caf::timespan> out;
  for (auto& skill : catalog.all())
    if (skill->timeout > caf::timespan{0})
      out.emplace(skill->name, skill->timeout);
  return out;
}

} // namespace troupe::node
