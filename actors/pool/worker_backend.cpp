#include "actors/pool/worker_backend.hpp"

#include "actors/pool/actor_backend.hpp"
#include "actors/pool/async_backend.hpp"
#include "actors/pool/process_backend.hpp"
#include "actors/pool/thread_backend.hpp"

#include <caf/local_actor.hpp>

namespace troupe::pool {

worker_backend::~worker_backend() = default;

std::unique_ptr<worker_backend>
make_worker_backend(caf::local_actor* self, worker_pool_actor pool,
                    std::shared_ptr<const skills::skill_definition> skill) {
  if (skills::is_async(*skill))
    return make_async_backend(self->address(), std::move(skill));
  if (skill->kind == skills::skill_kind::process)
    return make_process_backend(self->address(), std::move(skill));
  switch (skill->mode) {
    case skills::skill_mode::in_pool:
      return nullptr;
    case skills::skill_mode::scheduled:
      return make_actor_backend(self, std::move(pool), std::move(skill));
    default:
      // A thread of the pool's own: blocking code never touches the
      // scheduler.
      return make_thread_backend(self->address(), std::move(skill));
  }
}

} // namespace troupe::pool
