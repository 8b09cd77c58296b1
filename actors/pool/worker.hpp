#pragma once

#include "actors/skills/skill.hpp"
#include "messages/interfaces.hpp"

#include <cstdint>
#include <memory>

namespace troupe::pool {

/// State of a scheduled native worker: runs its skill's function on one job
/// at a time and reports each outcome to its pool as `(done, id, ticket,
/// result)`.
struct worker_state {
  static constexpr const char* name = "worker";
  worker_pool_actor pool;
  std::shared_ptr<const skills::skill_definition> skill;
  /// The pool's name for this worker.
  uint64_t id = 0;
};

/// A native worker actor for `scheduled` skills: short, non-blocking code
/// that should spread over the scheduler's threads. (Blocking skills run on
/// `native_worker` threads instead.) A crash the skill returns
/// (`skill_output::crash`) ends the worker; any `std::exception` just fails
/// the job with SKILL_ERROR.
worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       worker_pool_actor pool,
       std::shared_ptr<const skills::skill_definition> skill, uint64_t id);

} // namespace troupe::pool
