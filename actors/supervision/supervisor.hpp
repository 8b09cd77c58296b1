#pragma once

#include "actors/base/last_will.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace troupe::supervision {

/// What a child factory gets: the system to spawn in, the supervisor (to
/// hand to children that watch it) and the path the child will have.
struct child_context {
  caf::actor_system& sys;
  supervisor_actor supervisor;
  std::string path;
};

/// Spawns one incarnation of a child; a null handle means the start failed.
/// The supervisor links itself to the child, so a factory spawns it plainly.
using child_factory = std::function<caf::actor(const child_context&)>;

/// How a supervisor starts, restarts and stops one child.
struct child_spec {
  /// Unique among its siblings; part of the paths `name/child/...`.
  std::string name;
  child_factory start;
  restart_type restart = restart_type::permanent;
  /// How long the child may take to stop before it is killed.
  caf::timespan shutdown_timeout = std::chrono::seconds(5);
  /// Whether the child is a supervisor too (watchers then watch it for its
  /// own children; crash paths continue through it).
  bool supervisor = false;
  /// Called (inside the supervisor) once the supervisor has stopped all its
  /// children and ends with `reason`: no incarnation of this child follows
  /// unless a parent starts the supervisor again. For releasing what the
  /// child's incarnations share (jobs left for a successor).
  std::function<void(const caf::error& reason)> on_shutdown;
};

/// A supervisor's strategy, limits and children.
struct supervisor_config {
  /// Its path in the tree, e.g. `node` or `node/skills`.
  std::string path = "supervisor";
  restart_strategy strategy = restart_strategy::one_for_one;
  restart_intensity intensity;
  backoff_policy backoff;
  /// Started in this order, stopped in reverse.
  std::vector<child_spec> children;
  /// Called (inside the supervisor) each time it starts a child again, with
  /// its own path and the child's name; for metrics.
  std::function<void(const std::string&, const std::string&)> on_restart;
  /// Called (inside the supervisor) for every event its watchers get: its
  /// own children starting and stopping and, relayed, those of every
  /// supervisor below it.
  std::function<void(const child_event&)> on_event;
  /// Enables the `crash` test hook; off unless a node runs with test skills.
  bool crash_hook = false;
  /// Seeds the jitter of the backoff (tests fix it).
  uint64_t seed = std::random_device{}();
};

/// State of a supervisor. At most one operation runs at a time (stopping
/// children one by one, waiting for a backoff, starting them again); child
/// failures that happen meanwhile wait in `pending` and are handled in order.
struct supervisor_state {
  static constexpr const char* name = "supervisor";

  using time_point = caf::actor_clock::time_point;

  enum class status : uint8_t { running, stopping, restarting, stopped };

  struct child {
    child_spec spec;
    caf::actor handle;
    status state = status::stopped;
    uint64_t restarts = 0;
    time_point started;
    backoff_schedule backoff;
    /// A temporary child that ended, or a child that failed to stop.
    bool removed = false;
    /// Whether the current stop already escalated to a kill.
    bool killed = false;
  };

  struct failure {
    size_t index;
    caf::error reason;
  };

  supervisor_config cfg;
  std::vector<child> children;
  restart_window window;
  std::mt19937_64 rng;
  std::vector<caf::actor> watchers;
  /// The latest event of every actor below the child supervisors, by path,
  /// for watchers that subscribe later.
  std::map<std::string, child_event> descendants;

  // -- the operation in progress ---------------------------------------------

  /// Children still to stop; the front one is stopping now.
  std::deque<size_t> stopping;
  /// Children to start once `stopping` is empty (and a backoff elapsed).
  std::vector<size_t> to_start;
  /// The child whose failure caused the operation (its backoff applies).
  size_t failed = 0;
  bool waiting_backoff = false;
  /// Matches timers to the step that set them; stale timers are ignored.
  uint64_t generation = 0;
  std::deque<failure> pending;
  /// Set once the supervisor stops for good; it quits with `final_reason`
  /// after the last child stopped.
  bool shutting_down = false;
  caf::error final_reason;
  /// Takes the children along when the supervisor ends abruptly. Keep last:
  /// it runs first at destruction.
  base::last_will will;
};

/// A supervisor in the manner of Erlang/OTP: starts `cfg.children` in order,
/// restarts them by strategy and restart type, gives up (stops every child
/// in reverse order, then itself with an error its own parent sees as a
/// crash) when more than `max_restarts` restarts happen within `period`,
/// and stops children in reverse start order, each within its shutdown
/// timeout or killed. Children it still has when it ends abruptly end
/// with it.
/// Watchers (`watch`) learn every child's current handle, and, relayed from
/// the supervisors below, that of every actor in its subtree, so one watch
/// on the root follows the whole tree.
supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_config cfg);

} // namespace troupe::supervision
