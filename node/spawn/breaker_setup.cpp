#include "node/spawn/breaker_setup.hpp"

#include "actors/breaker/breaker.hpp"

namespace troupe::node {

bool pool_counts_results(const skills::skill_definition& skill) {
  return !breaker::needs_breaker(skill);
}

std::optional<breaker::breaker_config>
plan_breaker(const config::node_config& cfg,
             const skills::skill_definition& skill, node_metrics* metrics,
             const std::string& node_name) {
  if (!breaker::needs_breaker(skill))
    return std::nullopt;
  breaker::breaker_config bc;
  bc.node_name = node_name;
  bc.default_timeout = skill.timeout > caf::timespan{0} ? skill.timeout
                                                        : cfg.default_timeout;
  if (metrics != nullptr) {
    bc.metrics = metrics->jobs();
    bc.breaker_metrics = metrics->breakers();
  }
  return bc;
}

} // namespace troupe::node
