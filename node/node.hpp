#pragma once

#include "actors/skill.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"
#include "node/node_metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <string>

namespace troupe {

/// Handles to a running node's actors.
struct node_handle {
  /// Root of the node's tree; `stop_node` stops everything through it.
  caf::actor supervisor;
  /// Entry point for in-process clients.
  router_actor router;
  /// The node's cluster membership (a cluster of one without seeds).
  membership_actor membership;
  /// Entry point for remote clients (published when `port` != 0).
  gateway_actor gateway;
  /// The port the gateway listens on; 0 when not published.
  uint16_t port = 0;
  std::string name;
};

/// Spawns a node's actor tree in `sys`: a worker pool per skill of
/// `catalog`, the router, and the gateway. With `publish`, the gateway is
/// published on cfg.host:cfg.port (port 0 picks a free port); a port in use
/// gives `error_code::port_in_use`. Null metrics are not recorded.
[[nodiscard]] caf::expected<node_handle>
spawn_node(caf::actor_system& sys, node_config cfg,
           const skill_catalog& catalog, node_metrics* metrics = nullptr,
           bool publish = true);

/// Stops the node's actors (gateway first) and closes its port.
void stop_node(caf::actor_system& sys, node_handle& node);

} // namespace troupe
