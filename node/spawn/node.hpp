#pragma once

#include "actors/skills/skill.hpp"
#include "actors/supervision/succession.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"
#include "node/spawn/node_directory.hpp"
#include "node/spawn/node_metrics.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace troupe::door {
class door_server;
} // namespace troupe::door

namespace troupe::http {
class dashboard;
class http_server;
class tls_front;
} // namespace troupe::http

namespace troupe::rpc {
class grpc_host;
} // namespace troupe::rpc

namespace troupe::cluster {
class member_port;
} // namespace troupe::cluster

namespace troupe::node {

/// Handles to a running node's actors. The router and the membership are
/// their registered names, which reach the current incarnation however
/// often it restarted (actors/supervision/registered_name.hpp); the gateway
/// is the first incarnation, and `current_gateway` names the one that runs.
struct node_handle {
  /// Root of the node's supervisor tree; `stop_node` stops everything
  /// through it, in reverse start order.
  supervisor_actor supervisor;
  /// Entry point for in-process clients (a registered name).
  router_actor router;
  /// The node's cluster membership (a cluster of one without seeds; a
  /// registered name).
  membership_actor membership;
  /// The gateway's first incarnation (other members and the door reach it
  /// by `gateway_name`).
  gateway_actor gateway;
  /// The gateway's registered name, which reaches whichever incarnation
  /// runs: where the gRPC door sends jobs.
  gateway_actor gateway_name;
  /// The port of the gRPC door (the client API); 0 when not published.
  uint16_t port = 0;
  /// The port other members connect to; 0 when not published.
  uint16_t cluster_port = 0;
  /// The gRPC door; null when not published.
  std::shared_ptr<door::door_server> door;
  std::string name;
  /// HOST:PORT other members reach this node's cluster port at.
  std::string address;
  /// This run of the node (its start time), part of detached jobs' ids.
  uint64_t incarnation = 0;
  /// The door's detached jobs, which the gateway reaches by name through
  /// `keeper_heirs`; null when not published.
  keeper_actor keeper;
  supervision::succession_ptr keeper_heirs;
  std::shared_ptr<node_directory> directory;
  /// The cluster port (listening when published) with the node's links
  /// to other members.
  std::shared_ptr<cluster::member_port> members;
  /// The node's gRPC servers: one for both ports, or one each when the
  /// cluster port is plaintext on another address than 127.0.0.1 or ::1
  /// (`rpc::guarded_credentials`). Declared after the ports:
  /// they stop first, as the servers refer to the ports' services.
  std::vector<std::shared_ptr<rpc::grpc_host>> servers;
  /// The HTTP/JSON API and the dashboard (`serve_http`); null when not
  /// served.
  std::shared_ptr<http::http_server> http;
  std::shared_ptr<http::dashboard> dashboard;
  /// HTTPS in front of `http` when the door has TLS; null otherwise.
  std::shared_ptr<http::tls_front> https;
  /// The job metrics the node's actors record in; null without metrics.
  metrics::job_metrics_ptr jobs;

  /// The gateway's current incarnation.
  gateway_actor current_gateway() const;
};

/// Spawns a node's supervisor tree in `sys` (see docs/architecture.md): a
/// worker pool per skill of `catalog`, cache shards, the dispatcher, the
/// router, the membership, the health monitor and the gateway. With
/// `publish`, the gRPC door serves clients on cfg.host:cfg.port and the
/// member protocol takes other members on the cluster port (port 0 picks
/// free ports for both); a port in use gives `error_code::port_in_use`.
/// Without, the node serves no port but may still dial members. `drain`, when
/// given, is what the door's `Drain` call starts.
[[nodiscard]] caf::expected<node_handle>
spawn_node(caf::actor_system& sys, config::node_config cfg,
           const skills::skill_catalog& catalog,
           node_metrics* metrics = nullptr, bool publish = true,
           std::function<void()> drain = {});

/// Serves the HTTP/JSON API on cfg.host:cfg.http_port when cfg.http_port
/// is not -1, over the node's gRPC door (which must be published);
/// `error_code::port_in_use` when the port cannot be bound.
[[nodiscard]] caf::error serve_http(node_handle& node,
                                    const config::node_config& cfg);

/// The port clients reach the HTTP API on (HTTPS when the door has TLS);
/// 0 when not served.
uint16_t http_port_of(const node_handle& node);

/// The node drains: its door's health service answers NOT_SERVING.
void mark_draining(node_handle& node);

/// Stops the node's door (calls in progress get `grace` to finish), then
/// its actors (gateway first), and closes its ports.
void stop_node(caf::actor_system& sys, node_handle& node,
               std::chrono::milliseconds grace = std::chrono::seconds(2));

} // namespace troupe::node
