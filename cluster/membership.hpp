#pragma once

#include "cluster/cluster_metrics.hpp"
#include "cluster/local_load.hpp"
#include "cluster/member_links.hpp"
#include "cluster/membership_view.hpp"
#include "config/cluster_config.hpp"
#include "messages/interfaces.hpp"

#include <caf/typed_response_promise.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::cluster {

/// What a membership actor needs to know about its node.
struct membership_config {
  /// This node: name and HOST:PORT of its gateway; its incarnation is its
  /// start time.
  member self;
  config::cluster_config cluster;
  /// The node's own load, published with every heartbeat (default: no
  /// skills, no load).
  local_load load;
  /// Member counts and heartbeat round trips; null disables.
  cluster_metrics_ptr metrics;
  /// Get the view now and on every change, from the start (the node's
  /// router and dispatcher, by their registered names); others subscribe.
  std::vector<view_listener_actor> listeners;
  /// Where the node's health score comes from (null: always 100); the
  /// health monitor's registered name in a node.
  health_monitor_actor health;
  /// Shared by every incarnation of the membership actor: the node's
  /// current incarnation, which a restarted membership rejoins with (its
  /// peers know the node by it); null: `self.incarnation` only.
  std::shared_ptr<std::atomic<uint64_t>> incarnation;
  /// The node's member links, through which it reaches its peers.
  links_actor links;
};

/// State of a node's membership actor.
struct membership_state {
  static constexpr const char* name = "membership";

  using clock = std::chrono::steady_clock;

  /// The node's last health score, which peers see in its view.
  uint32_t health_score = 100;

  struct peer {
    gateway_actor gateway;
    std::string address;
    /// The incarnation of the member when the connection was made.
    uint64_t incarnation = 0;
    bool connecting = false;
  };

  membership_config cfg;
  std::optional<membership_view> view;
  std::unordered_map<std::string, peer> peers;
  std::vector<view_listener_actor> listeners;
  /// Set whenever the view changed since listeners last heard of it.
  bool dirty = false;
  uint64_t ticks = 0;
  /// When the last heartbeat tick ran: a much longer gap than the interval
  /// means this node itself stalled.
  clock::time_point last_tick{};

  // -- joining ---------------------------------------------------------------

  bool joined = false;
  bool joining = false;
  /// Set when every seed failed; the next heartbeat tries again.
  bool retry_join = false;
  std::vector<caf::typed_response_promise<bool>> join_waiters;
  clock::time_point join_deadline;
  std::string last_join_error;
};

/// A node's cluster membership: joins through seed nodes, exchanges views
/// with every peer on each heartbeat (push-pull gossip through the peers'
/// gateways), declares peers down when they fall silent or their connection
/// breaks, rejoins under a new incarnation when others gave up on this
/// node, and leaves cleanly on shutdown. Listeners get the view whenever it
/// changes. A peer's gateway that ends while its node stays reachable
/// (it crashed and is restarting) is connected again, not declared down.
membership_actor::behavior_type
membership(membership_actor::stateful_pointer<membership_state> self,
           membership_config cfg);

} // namespace troupe::cluster
