#pragma once

#include "actors/health/health_metrics.hpp"
#include "actors/health/health_rules.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "config/health_config.hpp"
#include "messages/interfaces.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace troupe::health {

/// What a health monitor watches and with which thresholds.
struct health_monitor_config {
  config::health_config limits;
  /// The node's supervisor tree: every actor in it is polled.
  supervisor_actor tree;
  /// Job counts per skill and status (error rates); null: no error rates.
  metrics::job_metrics_ptr jobs;
  /// Score, alert and restart metrics; null disables them.
  health_metrics_ptr metrics;
  /// The node's listening ports as they are now; empty: none.
  std::function<std::vector<health_sample::listener>()> listeners;
};

/// State of a health monitor: the actors of its tree and the round of
/// polls in progress.
struct health_monitor_state {
  static constexpr const char* name = "health_monitor";

  health_monitor_config cfg;
  std::unique_ptr<health_rules> rules;
  /// Every actor of the tree by path (a null handle while it restarts).
  std::map<std::string, child_event> actors;
  /// The round in progress: its figures so far and the answers missing.
  health_sample sample;
  size_t pending = 0;
  bool polling = false;
};

/// A node's health monitor: follows the node's supervisor tree and, every
/// `interval`, asks each long-lived actor for its figures (supervisors for
/// their children and restarts, pools for their queues and worker
/// restarts, router, gateway and dispatcher for their mailboxes, the
/// membership for the cluster, shards for a sign of life), adds the job
/// counts, and evaluates `health_rules`: a score 0..100 and alerts naming
/// rule and values. Polling, rather than actors pushing reports, also
/// catches an actor too busy or stuck to report (`unresponsive`).
health_monitor_actor::behavior_type health_monitor(
  health_monitor_actor::stateful_pointer<health_monitor_state> self,
  health_monitor_config cfg);

} // namespace troupe::health
