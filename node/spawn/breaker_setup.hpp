#pragma once

#include "actors/breaker/breaker.hpp"
#include "actors/skills/skill.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"
#include "node/spawn/node_metrics.hpp"

#include <optional>
#include <string>

namespace troupe::node {

/// Whether the pool of `skill` counts its jobs' results itself: not when a
/// breaker in front of it does (a retried job must count once).
bool pool_counts_results(const skills::skill_definition& skill);

/// The configuration of the breaker in front of the pool of `skill`, or
/// none when the skill needs no breaker (`needs_breaker`).
std::optional<breaker::breaker_config>
plan_breaker(const config::node_config& cfg,
             const skills::skill_definition& skill, node_metrics* metrics,
             const std::string& node_name);

} // namespace troupe::node
