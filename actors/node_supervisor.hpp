#pragma once

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <string>
#include <vector>

namespace troupe {

/// State of the root of a node's actor tree.
struct node_supervisor_state {
  static constexpr const char* name = "node_supervisor";
  /// Children in start order, with names for logs.
  std::vector<std::pair<std::string, caf::actor>> children;
};

/// Root of a node's tree: monitors the node's long-lived actors (pools,
/// router, gateway, in start order), reports any that dies, and on
/// `atom::stop` (or its own exit) stops them in reverse start order, so the
/// gateway stops taking jobs before the pools behind it go away.
caf::behavior
node_supervisor(caf::stateful_actor<node_supervisor_state>* self,
                std::vector<std::pair<std::string, caf::actor>> children);

} // namespace troupe
