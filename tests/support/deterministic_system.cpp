#include "tests/support/deterministic_system.hpp"

#include <caf/atom.hpp>

namespace troupe::test {

deterministic_system::deterministic_system()
    : cfg_(std::make_unique<node::system_config>()) {
  cfg_->set("scheduler.policy", caf::atom("testing"));
  cfg_->set("middleman.network-backend", caf::atom("testing"));
  cfg_->set("middleman.manual-multiplexing", true);
  cfg_->set("middleman.workers", size_t{0});
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
}

deterministic_system::~deterministic_system() {
  // Let pending work and exits finish before the system goes away.
  sched_->run();
}

result_recorder::result_recorder(caf::actor_system& sys)
    : results_(std::make_shared<std::vector<job_result>>()) {
  auto store = results_;
  handle_ = sys.spawn([store]() -> result_sink_actor::behavior_type {
    return {
      [store](job_result& r) {
        store->push_back(std::move(r));
      },
    };
  });
}

std::optional<job_result> result_recorder::find(uint64_t id) const {
  for (auto& r : *results_)
    if (r.id == id)
      return r;
  return std::nullopt;
}

size_t result_recorder::count(uint64_t id) const {
  size_t n = 0;
  for (auto& r : *results_)
    if (r.id == id)
      ++n;
  return n;
}

} // namespace troupe::test
