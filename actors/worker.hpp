#pragma once

#include "actors/skill.hpp"
#include "messages/interfaces.hpp"

#include <memory>

namespace troupe {

/// State of a native worker: runs its skill's function on one job at a time
/// and reports each outcome to its pool as `(done, ticket, result)`.
struct worker_state {
  static constexpr const char* name = "worker";
  worker_pool_actor pool;
  std::shared_ptr<const skill_definition> skill;
};

/// A native worker. Spawned `detached` for blocking skills so that skill code
/// never stalls the scheduler. A `worker_crash` thrown by the skill kills the
/// worker; any `std::exception` just fails the job with SKILL_ERROR.
worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       worker_pool_actor pool, std::shared_ptr<const skill_definition> skill);

} // namespace troupe
