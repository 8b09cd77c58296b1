#pragma once

#include "actors/pool/worker_backend.hpp"

namespace troupe::pool {

/// Workers of an asynchronous skill: nothing but places for jobs awaiting
/// their `skill_reply`, so the pool's size bounds the replies awaited at
/// once. The skill starts in the pool actor and returns at once; its reply
/// (or crash) comes back like a worker thread's. An abandoned job is
/// cancelled in the skill's context and its place is free at once: a late
/// reply finds a different ticket there.
std::unique_ptr<worker_backend>
make_async_backend(const caf::actor_addr& pool,
                   std::shared_ptr<const skills::skill_definition> skill);

} // namespace troupe::pool
