#include "actors/pool/async_backend.hpp"

#include "actors/pool/owning_backend.hpp"
#include "actors/pool/restart_reason.hpp"

#include <chrono>

namespace troupe::pool {

namespace {

class async_backend final
    : public owning_backend<std::shared_ptr<skills::cancellation>> {
 public:
  async_backend(caf::actor_addr pool,
                std::shared_ptr<const skills::skill_definition> skill)
      : owning_backend(std::move(pool), std::move(skill)) {
    // nop
  }

  void start(uint64_t id) override {
    workers_.emplace(id, std::make_shared<skills::cancellation>());
  }

  void run(uint64_t id, uint64_t ticket, const job& j, caf::timespan left,
           uint32_t) override {
    skills::skill_reply reply{
      skill_->name, [pool = pool_, id, ticket](skills::skill_run&& run) {
        if (run.crashed)
          tell_pool(pool, atom::lost::value, id, ticket,
                    restart_reason::crashed, std::move(run.result.error));
        else
          tell_pool(pool, atom::done::value, id, ticket, std::move(run.result));
      }};
    auto deadline
      = std::chrono::steady_clock::now()
        + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
    skills::start_async_skill(
      *skill_, j.input, skills::skill_context{workers_[id], ticket, deadline},
      reply);
  }

  abandoned abandon(uint64_t id, uint64_t ticket) override {
    workers_[id]->cancel(ticket);
    return abandoned::free;
  }
};

} // namespace

std::unique_ptr<worker_backend>
make_async_backend(const caf::actor_addr& pool,
                   std::shared_ptr<const skills::skill_definition> skill) {
  return std::make_unique<async_backend>(pool, std::move(skill));
}

} // namespace troupe::pool
