#include "actors/pool/process_backend.hpp"

#include "actors/pool/owning_backend.hpp"
#include "actors/pool/process_worker.hpp"

namespace troupe::pool {

namespace {

class process_backend final
    : public owning_backend<std::unique_ptr<process_worker>> {
 public:
  process_backend(caf::actor_addr pool,
                  std::shared_ptr<const skills::skill_definition> skill)
      : owning_backend(std::move(pool), std::move(skill)) {
    // A child may exit right after it started (a broken program): it is up
    // only once it answered a ping, and proven once it answered a job.
    traits_.announces_ready = true;
    traits_.first_job_proves_start = true;
    traits_.recycle_after = skill_->process.recycle_after;
  }

  void start(uint64_t id) override {
    process_worker::callbacks cb;
    cb.ready = [pool = pool_, id] {
      tell_pool(pool, atom::ready::value, id);
    };
    cb.done = [pool = pool_, id](uint64_t ticket, job_result&& r) {
      tell_pool(pool, atom::done::value, id, ticket, std::move(r));
    };
    cb.lost = [pool = pool_, id](uint64_t ticket, restart_reason why,
                                 std::string reason) {
      tell_pool(pool, atom::lost::value, id, ticket, why, std::move(reason));
    };
    // Throws std::system_error when the system has no thread to give.
    workers_.emplace(id,
                     std::make_unique<process_worker>(skill_, std::move(cb)));
  }

  void run(uint64_t id, uint64_t ticket, const job& j, caf::timespan left,
           uint32_t attempt) override {
    workers_[id]->run(ticket, j.input, left, attempt, j.options.trace);
  }

  abandoned abandon(uint64_t id, uint64_t) override {
    workers_[id]->kill();
    return abandoned::killed;
  }
};

} // namespace

std::unique_ptr<worker_backend>
make_process_backend(const caf::actor_addr& pool,
                     std::shared_ptr<const skills::skill_definition> skill) {
  return std::make_unique<process_backend>(pool, std::move(skill));
}

} // namespace troupe::pool
