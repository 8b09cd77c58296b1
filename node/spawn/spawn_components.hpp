#pragma once

#include "actors/ingress/router.hpp"
#include "actors/skills/skill.hpp"
#include "actors/supervision/supervisor.hpp"
#include "node/spawn/tree_context.hpp"

#include <optional>
#include <string>
#include <unordered_map>

// One function per component of a node's tree (docs/architecture.md, "One
// node"), each in its own spawn_<component>.cpp: the child (or subtree) the
// root supervisor starts for it. The root starts them in the order listed
// here; each reaches the others by their registered names
// (`tree_context::name_of`).
namespace troupe::node {

/// The supervisor `skills` with a worker pool per skill of `catalog`.
supervision::child_spec spawn_pools(const tree_context& tc,
                                    const skills::skill_catalog& catalog);

/// The supervisor `breakers` with a breaker in front of the pool of each
/// skill that has a breaker or retries, each named in `rc.breakers` for the
/// router; none when no skill needs one.
std::optional<supervision::child_spec>
spawn_breakers(const tree_context& tc, const skills::skill_catalog& catalog,
               ingress::router_config& rc);

/// The supervisor `cache` with the node's cache shards, and the router's
/// side of the cache in `rc`; none when the node caches nothing
/// (`[cache] shards = 0`, or no skill caches its results).
std::optional<supervision::child_spec>
spawn_cache(const tree_context& tc, const skills::skill_catalog& catalog,
            ingress::router_config& rc);

/// The dispatcher: jobs placed on other members, through one link each.
supervision::child_spec spawn_dispatcher(const tree_context& tc);

/// The router over the pools of `catalog`, with what the breakers and the
/// cache put into `rc`.
supervision::child_spec spawn_router(const tree_context& tc,
                                     const skills::skill_catalog& catalog,
                                     ingress::router_config rc);

/// The skills of `catalog` as the node offers them to its peers, with each
/// one's capacity (the pool's largest size) and whether `rc` caches it.
std::vector<skill_load> offered_skills(const tree_context& tc,
                                       const skills::skill_catalog& catalog,
                                       const ingress::router_config& rc);

/// The membership: the node's view of its cluster, publishing the load of
/// the `offered` skills.
supervision::child_spec spawn_membership(const tree_context& tc,
                                         std::vector<skill_load> offered);

/// The health monitor of the whole tree.
supervision::child_spec spawn_health(const tree_context& tc);

/// The gateway: the door and the member links reach it by its registered
/// name, so a restarted one takes their jobs.
supervision::child_spec spawn_gateway(const tree_context& tc,
                                      const skills::skill_catalog& catalog);

/// The timeouts of the catalog's skills that have their own, by name: the
/// time a job of such a skill may take when it names none.
std::unordered_map<std::string, caf::timespan>
skill_timeouts(const skills::skill_catalog& catalog);

} // namespace troupe::node
