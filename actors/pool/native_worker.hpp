#pragma once

#include "actors/skills/skill.hpp"
#include "messages/job.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace troupe::pool {

/// A worker of a blocking native skill: one dedicated thread that runs the
/// skill's jobs one at a time, outside CAF's scheduler, so that skill code
/// which sleeps, waits or computes for long never stalls an actor. A pool
/// owns one per worker, which bounds a skill's threads by its worker count.
///
/// The thread reports through the callbacks, from its own thread: `done`
/// after every job it was handed (also after a cancelled one, so that the
/// pool knows the thread is free again), `crashed` when the skill crashed its
/// worker (`skill_output::crash`, or a throw of something that is not a
/// `std::exception`; the thread then ends). Methods are called by the owning
/// pool only.
class native_worker {
 public:
  struct callbacks {
    std::function<void(uint64_t ticket, job_result&& result)> done;
    std::function<void(uint64_t ticket, std::string reason)> crashed;
  };

  /// Starts the thread; fails (with a `std::system_error`) when the system
  /// has no thread to give.
  native_worker(std::shared_ptr<const skills::skill_definition> skill,
                callbacks cb);

  /// Tells the thread to end once its current job returns; never waits.
  ~native_worker();

  native_worker(const native_worker&) = delete;
  native_worker& operator=(const native_worker&) = delete;

  /// Hands the job `ticket` to the thread; only while it runs no other job.
  void run(uint64_t ticket, std::string input,
           skills::skill_context::time_point deadline);

  /// Cancels the job `ticket`: the skill sees it in its context, and a job
  /// not started yet does not start.
  void cancel(uint64_t ticket);

  /// What the worker and its thread share (defined in the source file).
  struct shared_state;

 private:
  std::shared_ptr<shared_state> state_;
};

} // namespace troupe::pool
