#include "actors/breaker/breaker.hpp"
#include "actors/pool/job_estate.hpp"
#include "actors/pool/worker_pool.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

#include <prometheus/counter.h>

namespace troupe::node {

namespace {

supervision::child_spec
pool_child(const tree_context& tc,
           std::shared_ptr<const skills::skill_definition> skill) {
  auto& cfg = tc.cfg;
  auto pc = pool::make_pool_config(*skill, cfg);
  pc.node_name = tc.name;
  pc.node_limit = tc.node_limit;
  pc.load = tc.pool_load;
  if (tc.metrics != nullptr) {
    pc.pool_metrics = tc.metrics->pools();
    // A breaker in front of the pool counts the results instead: a retried
    // job must count once.
    if (!breaker::needs_breaker(*skill))
      pc.metrics = tc.metrics->jobs();
    auto* restarts = &tc.metrics->health()->restarts(
      std::string{tree_path::skills} + "/" + skill->name, "worker");
    pc.on_worker_restart = [restarts] {
      restarts->Increment();
    };
  }
  auto estate = std::make_shared<pool::job_estate>(skill->name, tc.name,
                                                   pc.metrics);
  pc.estate = estate;
  auto spec = supervised_child<worker_pool_actor, pool::worker_pool_state>(
    tc, std::string{tree_path::skills} + "/" + skill->name,
    "the pool of skill " + skill->name, jobs_and_status,
    [skill,
     pc](worker_pool_actor::stateful_pointer<pool::worker_pool_state> self,
         const supervisor_actor&) {
      return pool::worker_pool(self, skill, pc);
    });
  auto prev = std::move(spec.on_shutdown);
  spec.on_shutdown = [estate, prev](const caf::error& reason) {
    estate->close(reason);
    prev(reason);
  };
  return spec;
}

} // namespace

supervision::child_spec spawn_pools(const tree_context& tc,
                                    const skills::skill_catalog& catalog) {
  auto skills = supervisor_for(tc, std::string{tree_path::skills});
  for (auto& skill : catalog.all())
    skills.children.push_back(pool_child(tc, skill));
  return subtree(tc, "skills", skills);
}

} // namespace troupe::node
