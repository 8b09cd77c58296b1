#pragma once

#include "messages/interfaces.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <optional>

namespace troupe::test {

/// A GoogleTest fixture running an actor system on CAF's deterministic test
/// coordinator: nothing runs until the test calls run()/run_once(), and time
/// only moves with advance_time()/trigger_timeout(). Actors spawned here must
/// not be detached (detached actors get real threads).
class deterministic_system : public ::testing::Test {
 public:
  deterministic_system();
  ~deterministic_system() override;

  caf::actor_system& sys() {
    return *sys_;
  }

  caf::scheduler::test_coordinator& sched() {
    return *sched_;
  }

  /// Runs every scheduled actor until all mailboxes are empty.
  size_t run() {
    return sched_->run();
  }

  /// Moves simulated time forward, firing due timeouts, then runs.
  void advance(caf::timespan x) {
    sched_->advance_time(x);
    run();
  }

 private:
  std::unique_ptr<node::system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_;
};

/// An in-process result sink that records every result it receives, for
/// deterministic tests: spawn it in the deterministic system and inspect
/// `results()` after run().
class result_recorder {
 public:
  explicit result_recorder(caf::actor_system& sys);

  result_sink_actor handle() const {
    return handle_;
  }

  const std::vector<job_result>& results() const {
    return *results_;
  }

  /// The result with this job id, if one arrived.
  std::optional<job_result> find(uint64_t id) const;

  /// How many results arrived for this job id.
  size_t count(uint64_t id) const;

 private:
  std::shared_ptr<std::vector<job_result>> results_;
  result_sink_actor handle_;
};

} // namespace troupe::test
