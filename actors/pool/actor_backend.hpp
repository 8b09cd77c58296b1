#pragma once

#include "actors/pool/worker_backend.hpp"

namespace troupe::pool {

/// Workers of a scheduled skill: `worker` actors on CAF's scheduler, linked
/// to the pool so that they end with it, and monitored so that a worker's
/// death (its skill crashed it) becomes a down message with its job still
/// identifiable. An abandoned run goes on to its end (scheduled skills are
/// short by contract); its result is dropped.
std::unique_ptr<worker_backend>
make_actor_backend(caf::local_actor* self, worker_pool_actor pool,
                   std::shared_ptr<const skills::skill_definition> skill);

} // namespace troupe::pool
