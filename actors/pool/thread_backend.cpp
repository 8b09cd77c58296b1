#include "actors/pool/thread_backend.hpp"

#include "actors/pool/native_worker.hpp"
#include "actors/pool/owning_backend.hpp"
#include "actors/pool/restart_reason.hpp"

#include <chrono>

namespace troupe::pool {

namespace {

class thread_backend final
    : public owning_backend<std::unique_ptr<native_worker>> {
 public:
  thread_backend(caf::actor_addr pool,
                 std::shared_ptr<const skills::skill_definition> skill)
      : owning_backend(std::move(pool), std::move(skill)) {
    // nop
  }

  void start(uint64_t id) override {
    native_worker::callbacks cb;
    cb.done = [pool = pool_, id](uint64_t ticket, job_result&& r) {
      tell_pool(pool, atom::done::value, id, ticket, std::move(r));
    };
    cb.crashed = [pool = pool_, id](uint64_t ticket, std::string reason) {
      tell_pool(pool, atom::lost::value, id, ticket, restart_reason::crashed,
                std::move(reason));
    };
    // Throws std::system_error when the system has no thread to give.
    workers_.emplace(id,
                     std::make_unique<native_worker>(skill_, std::move(cb)));
  }

  void run(uint64_t id, uint64_t ticket, const job& j, caf::timespan left,
           uint32_t) override {
    workers_[id]->run(
      ticket, j.input,
      std::chrono::steady_clock::now()
        + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          left));
  }

  abandoned abandon(uint64_t id, uint64_t ticket) override {
    workers_[id]->cancel(ticket);
    return abandoned::busy;
  }
};

} // namespace

std::unique_ptr<worker_backend>
make_thread_backend(const caf::actor_addr& pool,
                    std::shared_ptr<const skills::skill_definition> skill) {
  return std::make_unique<thread_backend>(pool, std::move(skill));
}

} // namespace troupe::pool
