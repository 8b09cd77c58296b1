#include "node/breaker_setup.hpp"

#include "actors/breaker.hpp"

namespace troupe {

bool pool_counts_results(const skill_definition& skill) {
  return !needs_breaker(skill);
}

void spawn_breakers(
  caf::actor_system& sys, const node_config& cfg, const skill_catalog& catalog,
  node_metrics* metrics, const std::string& node_name,
  const std::unordered_map<std::string, worker_pool_actor>& pools,
  std::vector<std::pair<std::string, caf::actor>>& children,
  router_config& rc) {
  for (auto& skill : catalog.all()) {
    auto pool = pools.find(skill->name);
    if (!needs_breaker(*skill) || pool == pools.end())
      continue;
    breaker_config bc;
    bc.node_name = node_name;
    bc.default_timeout = skill->timeout > caf::timespan{0}
                           ? skill->timeout
                           : cfg.default_timeout;
    if (metrics != nullptr) {
      bc.metrics = metrics->jobs();
      bc.breaker_metrics = metrics->breakers();
    }
    auto b = sys.spawn(breaker, skill, pool->second, std::move(bc));
    children.emplace_back("breaker " + skill->name,
                          caf::actor_cast<caf::actor>(b));
    rc.breakers.emplace(skill->name, std::move(b));
  }
}

} // namespace troupe
