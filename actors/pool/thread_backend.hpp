#pragma once

#include "actors/pool/worker_backend.hpp"

namespace troupe::pool {

/// Workers of a blocking skill: one `native_worker` thread each, owned by
/// the pool, so blocking code never touches the scheduler and the pool's
/// size bounds the skill's threads. An abandoned run is cancelled in the
/// skill's context; the thread stays busy until the code returns.
std::unique_ptr<worker_backend>
make_thread_backend(const caf::actor_addr& pool,
                    std::shared_ptr<const skills::skill_definition> skill);

} // namespace troupe::pool
