#pragma once

#include "actors/pool/worker_backend.hpp"

namespace troupe::pool {

/// Workers of a process skill: one `process_worker` each (a child process
/// and its I/O thread). A new worker takes jobs once it answered its first
/// ping (`ready`); an abandoned run kills the child, and the pool replaces
/// the worker. A retired or dropped worker's child gets EOF on its stdin and
/// exits (SIGTERM, then SIGKILL, if it does not).
std::unique_ptr<worker_backend>
make_process_backend(const caf::actor_addr& pool,
                     std::shared_ptr<const skills::skill_definition> skill);

} // namespace troupe::pool
