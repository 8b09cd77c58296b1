#pragma once

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

/// Paths of a node's long-lived actors in its supervisor tree (see
/// node/spawn/node.cpp): what actors following their siblings look for in child
/// events, and what `troupe status` shows restarts under.
namespace tree_path {
inline constexpr std::string_view root = "node";
inline constexpr std::string_view skills = "node/skills";
inline constexpr std::string_view breakers = "node/breakers";
inline constexpr std::string_view cache = "node/cache";
inline constexpr std::string_view dispatcher = "node/dispatcher";
inline constexpr std::string_view router = "node/router";
inline constexpr std::string_view membership = "node/membership";
inline constexpr std::string_view health = "node/health";
inline constexpr std::string_view gateway = "node/gateway";
/// The detached jobs of the node's gRPC door: not a child of the tree but
/// reached by name like one (set while the door serves).
inline constexpr std::string_view keeper = "node/keeper";
/// Cache shards are `node/cache/shard-<index>`.
inline constexpr std::string_view shard_prefix = "node/cache/shard-";
} // namespace tree_path

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
  return f(caf::meta::type_name("child_event"), x.path, x.handle, x.supervisor);
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
