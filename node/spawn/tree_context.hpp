#pragma once

#include "actors/base/load_board.hpp"
#include "actors/health/health_rules.hpp"
#include "actors/pool/in_flight_limit.hpp"
#include "actors/supervision/succession.hpp"
#include "actors/supervision/supervised_actor.hpp"
#include "actors/supervision/supervisor.hpp"
#include "cluster/member_links.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"
#include "node/spawn/name_table.hpp"
#include "node/spawn/node_directory.hpp"
#include "node/spawn/node_metrics.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// What every part of a node's tree is built with: the context the spawn
// functions of node/spawn/spawn_components.hpp read, and the helpers that
// turn an actor into a supervised child.
namespace troupe::node {

/// Everything a node's tree needs to build and rebuild its actors. Start
/// functions keep a copy: a child started again later finds the same
/// shared parts.
struct tree_context {
  caf::actor_system* sys;
  config::node_config cfg;
  node_metrics* metrics;
  std::string name;
  std::string address;
  uint64_t incarnation;
  std::shared_ptr<node_directory> directory;
  /// The registered names of the supervised children.
  std::shared_ptr<name_table> names;
  /// The node's links to other members (null until the cluster port
  /// opened).
  cluster::links_actor links;
  /// The bound on jobs held by all pools (max-in-flight).
  pool::in_flight_limit_ptr node_limit;
  /// Jobs in flight for placement: the pools' by skill, the links' by
  /// member and skill.
  base::load_board_ptr pool_load;
  base::load_board_ptr link_load;
  /// The node's listening ports as they are now, for the health monitor;
  /// empty when the node listens on none.
  std::function<std::vector<health::health_sample::listener>()> listeners;

  /// The current incarnation of the actor at `path`; null while none runs.
  template <class Handle>
  Handle current(std::string_view path) const {
    return caf::actor_cast<Handle>(directory->get(std::string{path}));
  }

  /// The registered name of the supervised child at `path`, which reaches
  /// whichever incarnation runs.
  template <class Handle>
  Handle name_of(std::string_view path) const {
    return names->name<Handle>(path);
  }

  caf::timespan shutdown_timeout() const {
    return cfg.supervision.shutdown_timeout;
  }
};

/// The context of a node named `name` at `address` that starts now: its
/// incarnation is the time of the start, its shared parts are new.
tree_context
make_tree_context(caf::actor_system& sys, const config::node_config& cfg,
                  node_metrics* metrics, std::string name, std::string address);

/// Closes the succession `heirs` for good when the child's supervisor stops
/// it, after what `spec` already does then.
void close_on_shutdown(supervision::child_spec& spec,
                       supervision::succession_ptr heirs);

/// The child at `path` that runs as a supervised actor: messages to an
/// ended incarnation go on to the next (those `filter` accepts; see
/// node/spawn/successor_filters.hpp), and its registered name
/// (`tree_context::name_of`) reaches whichever runs. `init` gets the actor
/// and its supervisor and returns the actor's behavior.
template <class Handle, class State, class Init>
supervision::child_spec
supervised_child(const tree_context& tc, std::string_view path,
                 std::string what, supervision::forward_filter filter,
                 Init init) {
  using impl = supervision::supervised_actor<Handle, State>;
  using pointer = typename Handle::template stateful_pointer<State>;
  auto heirs = tc.names->heirs(path, std::move(what));
  supervision::child_spec spec;
  spec.name = std::string{path.substr(path.rfind('/') + 1)};
  spec.shutdown_timeout = tc.shutdown_timeout();
  spec.start = [heirs, filter, init](const supervision::child_context& ctx) {
    auto parent = ctx.supervisor;
    typename impl::init_fn fn = [init, parent](pointer self) {
      return init(self, parent);
    };
    return caf::actor_cast<caf::actor>(
      ctx.sys.spawn<impl>(std::move(fn), heirs, filter));
  };
  close_on_shutdown(spec, heirs);
  return spec;
}

/// A one-for-one supervisor at `path` with the node's restart intensity and
/// backoff, counting its restarts in the node's health metrics.
supervision::supervisor_config supervisor_for(const tree_context& tc,
                                              std::string path);

/// The child `name` that runs the supervisor `sc` and its children.
supervision::child_spec subtree(const tree_context& tc, std::string name,
                                supervision::supervisor_config sc);

} // namespace troupe::node
