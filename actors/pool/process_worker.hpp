#pragma once

#include "actors/pool/restart_reason.hpp"
#include "actors/skills/skill.hpp"
#include "messages/job.hpp"

#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace troupe::pool {

/// A worker of a process skill: one long-lived child process (started with
/// fork/exec, never a shell) speaking the worker protocol (docs/skills.md)
/// on its stdin and stdout, and one thread of its own that does the
/// process's I/O, so that neither a slow child nor a large frame ever
/// blocks an actor. The thread forwards the child's stderr to the node's log
/// line by line (rate-limited: `stderr_throttle`), pings the child when it
/// is idle, and reaps it when it ends: no zombies, and every descriptor is
/// closed.
///
/// The thread reports through the callbacks, from its own thread: `ready`
/// once the child answered its first ping, `done` for each job, and `lost`
/// exactly once, after the child is gone for whatever reason: `ticket` is
/// the job it was running (0 = none), `why` and `reason` say what happened
/// (`start_failed` for a child gone before its first pong, whatever the
/// cause; for a child that ended on its own, `crashed` with its exit code or
/// signal). Once the destructor returned, no callback runs any more (the
/// thread lives on until the child is reaped, but reports to nobody), so
/// the callbacks may refer to anything that lives as long as the worker;
/// they must not destroy the worker themselves. Methods are called by the
/// owning pool only.
class process_worker {
 public:
  struct callbacks {
    std::function<void()> ready;
    std::function<void(uint64_t ticket, job_result&& result)> done;
    std::function<void(uint64_t ticket, restart_reason why, std::string reason)>
      lost;
  };

  /// Starts the thread, which starts the child; fails (with a
  /// `std::system_error`) when the system has no thread to give.
  process_worker(std::shared_ptr<const skills::skill_definition> skill,
                 callbacks cb);

  /// Stops the child gracefully unless it was killed: EOF on its stdin,
  /// then SIGTERM and SIGKILL, each after the skill's grace period. Waits
  /// only for a callback that is running to return, never for the child.
  ~process_worker();

  process_worker(const process_worker&) = delete;
  process_worker& operator=(const process_worker&) = delete;

  /// Sends the child the job `ticket`; only after `ready` and while it runs
  /// no other job. Lines the child writes to stderr while it runs the job
  /// are logged under the job's correlation id `trace` (0: none).
  void run(uint64_t ticket, std::string input, caf::timespan time_left,
           uint32_t attempt, uint64_t trace = 0);

  /// Kills the child: SIGTERM to its process group now, SIGKILL after the
  /// grace period. For a job that timed out or was cancelled.
  void kill();

  /// Worker processes of all skills started and not reaped yet.
  static size_t live() noexcept;

  /// Waits until every worker process is reaped or `max` passed; returns
  /// how many are left. For a node shutting down: `troupe node` calls it
  /// after its actors are gone, and so should an application embedding a
  /// node with process skills before it exits.
  static size_t wait_all(std::chrono::milliseconds max);

  /// What the worker and its thread share (defined in the source file).
  struct shared_state;

 private:
  std::shared_ptr<shared_state> state_;
};

} // namespace troupe::pool
