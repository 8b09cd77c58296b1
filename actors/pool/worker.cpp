#include "actors/pool/worker.hpp"

#include "actors/log/logging.hpp"

#include <chrono>

namespace troupe::pool {

worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       worker_pool_actor pool,
       std::shared_ptr<const skills::skill_definition> skill, uint64_t id) {
  self->state.pool = std::move(pool);
  self->state.skill = std::move(skill);
  self->state.id = id;
  // Skill code cannot throw past run_skill; this keeps a fault of the
  // worker's own readable instead of CAF's stderr print.
  self->set_exception_handler([](caf::scheduled_actor*,
                                 std::exception_ptr& ptr) -> caf::error {
    try {
      std::rethrow_exception(ptr);
    } catch (const std::exception& e) {
      return caf::make_error(caf::sec::runtime_error,
                             std::string{"worker crashed: "} + e.what());
    } catch (...) {
      return caf::make_error(caf::sec::runtime_error,
                             std::string{"worker crashed: unknown exception"});
    }
  });
  return {
    [self](atom::run, uint64_t ticket, const std::string& input,
           caf::timespan timeout) {
      auto deadline
        = std::chrono::steady_clock::now()
          + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            timeout);
      auto run
        = skills::run_skill(*self->state.skill, input,
                            skills::skill_context{nullptr, ticket, deadline});
      if (run.crashed) {
        // The pool turns the down message into the job's result.
        self->quit(caf::make_error(caf::sec::runtime_error,
                                   std::move(run.result.error)));
        return;
      }
      self->send(self->state.pool, atom::done::value, self->state.id, ticket,
                 std::move(run.result));
    },
    [](atom::cancel, uint64_t) {
      // Scheduled skills are short by contract and run to completion; the
      // pool drops the result.
    },
    [self](atom::stop) {
      self->quit();
    },
  };
}

} // namespace troupe::pool
