#pragma once

#include "actors/skills/skill.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace caf {
class local_actor;
} // namespace caf

namespace troupe::pool {

/// What became of a worker whose job was answered without it (deadline,
/// cancellation) when the pool abandoned the run.
enum class abandoned : uint8_t {
  /// Nothing of the run goes on: the worker takes the next job at once.
  free,
  /// Its code runs on (and sees the cancellation in its context); the
  /// worker stays busy until it reports the end of the run, so a skill
  /// never has more threads than workers.
  busy,
  /// It was killed: the pool drops it and starts another.
  killed,
};

/// What the pool's scheduling must know about a kind of worker.
struct worker_traits {
  /// A new worker takes jobs only after it reported `ready`.
  bool announces_ready = false;
  /// A worker has proven that it can start only once it finished a job (or
  /// idled out); one lost before counts as a failed start.
  bool first_job_proves_start = false;
  /// A worker is replaced after this many jobs; 0 = never.
  uint64_t recycle_after = 0;
};

/// The workers of one pool, of one kind: how they start, run a job, give
/// up a job, retire and are forgotten. The pool decides which worker runs
/// what (`pool_schedule`); the backend only carries it out, and its workers
/// report back to the pool as messages: `(done, id, ticket, result)` after
/// each run, `(lost, id, ticket, why, reason)` when a worker is gone,
/// `(ready, id)` when a worker that `announces_ready` can take jobs.
/// Workers are named by the pool's ids. Methods are called by the owning
/// pool only; one virtual call hands over one job.
class worker_backend {
 public:
  virtual ~worker_backend();

  const worker_traits& traits() const noexcept {
    return traits_;
  }

  /// Starts worker `id`; throws a `std::exception` when the system refuses
  /// (no thread to give), the one failure no worker can report itself.
  virtual void start(uint64_t id) = 0;

  /// Hands the job `j` (the pool's `ticket`) to the idle worker `id`, with
  /// `left` until its deadline; `attempt` counts from 1.
  virtual void run(uint64_t id, uint64_t ticket, const job& j,
                   caf::timespan left, uint32_t attempt)
    = 0;

  /// The job `ticket` running on worker `id` was answered without it: stops
  /// the work where the kind of worker allows.
  virtual abandoned abandon(uint64_t id, uint64_t ticket) = 0;

  /// Lets the idle worker `id` go: it ends without taking another job.
  virtual void retire(uint64_t id) = 0;

  /// Forgets worker `id`, which is gone already (lost, or killed).
  virtual void drop(uint64_t id) = 0;

  /// The worker that is the actor `addr` (0 = none): worker actors report
  /// their death as down messages to the pool.
  virtual uint64_t worker_of(const caf::actor_addr&) const {
    return 0;
  }

 protected:
  worker_traits traits_;
};

/// The backend for `skill`'s workers in the pool `self` (whose handle is
/// `pool`): worker actors (scheduled skills), threads (blocking skills),
/// child processes (process skills) or slots awaiting a reply
/// (asynchronous skills). Null for in-pool skills: the pool runs their jobs
/// itself and has no workers.
std::unique_ptr<worker_backend>
make_worker_backend(caf::local_actor* self, worker_pool_actor pool,
                    std::shared_ptr<const skills::skill_definition> skill);

/// Sends a message to the pool from a worker's thread. The thread may
/// outlive the pool (a skill stuck in its own code), so it holds a weak
/// reference and sends nothing once the pool is gone.
template <class... Ts>
void tell_pool(const caf::actor_addr& pool, Ts&&... xs) {
  if (auto strong = caf::actor_cast<worker_pool_actor>(pool))
    caf::anon_send(strong, std::forward<Ts>(xs)...);
}

} // namespace troupe::pool
