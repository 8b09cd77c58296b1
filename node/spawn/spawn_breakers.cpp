#include "actors/breaker/breaker.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/successor_filters.hpp"

namespace troupe::node {

namespace {

breaker::breaker_config plan_breaker(const tree_context& tc,
                                     const skills::skill_definition& skill) {
  breaker::breaker_config bc;
  bc.node_name = tc.name;
  bc.default_timeout
    = skill.timeout > caf::timespan{0} ? skill.timeout : tc.cfg.default_timeout;
  if (tc.metrics != nullptr) {
    bc.metrics = tc.metrics->jobs();
    bc.breaker_metrics = tc.metrics->breakers();
  }
  return bc;
}

} // namespace

std::optional<supervision::child_spec>
spawn_breakers(const tree_context& tc, const skills::skill_catalog& catalog,
               ingress::router_config& rc) {
  auto breakers = supervisor_for(tc, std::string{tree_path::breakers});
  for (auto& skill : catalog.all()) {
    if (!breaker::needs_breaker(*skill))
      continue;
    auto path = std::string{tree_path::breakers} + "/" + skill->name;
    auto pool_path = std::string{tree_path::skills} + "/" + skill->name;
    breakers.children.push_back(
      supervised_child<breaker_actor, breaker::breaker_state>(
        tc, path, "the breaker of skill " + skill->name, any_but_results,
        [skill, bc = plan_breaker(tc, *skill), tc, pool_path](
          breaker_actor::stateful_pointer<breaker::breaker_state> self,
          const supervisor_actor&) {
          auto x = bc;
          x.supervised = true;
          x.router = tc.name_of<router_actor>(tree_path::router);
          return breaker::breaker(
            self, skill, tc.name_of<job_runner_actor>(pool_path), std::move(x));
        }));
    rc.breakers.emplace(skill->name, tc.name_of<breaker_actor>(path));
  }
  if (breakers.children.empty())
    return std::nullopt;
  return subtree(tc, "breakers", breakers);
}

} // namespace troupe::node
