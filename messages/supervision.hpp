#pragma once

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

/// What a supervisor tells its watchers about one child: sent for every
/// child when the watcher subscribes and again whenever the child starts or
/// stops, so that holders of handles always reach the current incarnation.
struct child_event {
  /// Full path of the child in the tree, e.g. `node/skills/echo`.
  std::string path;
  /// The running child; null while it is not running (restarting, stopped).
  caf::actor handle;
  /// Whether the child is itself a supervisor (watch it for grandchildren).
  bool supervisor = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_event& x) {
  return f(caf::meta::type_name("child_event"), x.path, x.handle,
           x.supervisor);
}

/// One child as its supervisor sees it.
struct child_report {
  std::string name;
  /// running, stopping, restarting (waiting for its backoff) or stopped.
  std::string state;
  /// How often the supervisor started it again after the first start.
  uint64_t restarts = 0;
  bool supervisor = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_report& x) {
  return f(caf::meta::type_name("child_report"), x.name, x.state, x.restarts,
           x.supervisor);
}

/// A supervisor's answer to `status`: its children in start order and how
/// close it is to giving up.
struct supervisor_report {
  std::string path;
  std::vector<child_report> children;
  /// Restarts counted in the current intensity window, and the limit.
  uint32_t recent_restarts = 0;
  uint32_t max_restarts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, supervisor_report& x) {
  return f(caf::meta::type_name("supervisor_report"), x.path, x.children,
           x.recent_restarts, x.max_restarts);
}

} // namespace troupe
