#pragma once

#include "actors/job_metrics.hpp"
#include "messages/interfaces.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace troupe {

/// What the router needs to know about its node.
struct router_config {
  std::string node_name;
  std::string address;
  uint64_t max_job_bytes = 16 * 1024 * 1024;
  /// How long the router waits for a pool's status before reporting it
  /// without load figures.
  caf::timespan status_timeout = std::chrono::seconds(2);
  job_metrics_ptr metrics;
};

/// State of a node's router: the table of skills this node offers.
struct router_state {
  static constexpr const char* name = "router";
  router_config cfg;
  std::unordered_map<std::string, worker_pool_actor> pools;
  /// Comma-separated skill names, for UNKNOWN_SKILL messages.
  std::string skill_names;
  std::chrono::steady_clock::time_point started;
};

/// The node's entry point for jobs: rejects malformed jobs (BAD_INPUT) and
/// unknown skills (UNKNOWN_SKILL, listing the known ones), forwards the rest
/// to their skill's pool, and answers skill and status queries by asking
/// every pool.
router_actor::behavior_type
router(router_actor::stateful_pointer<router_state> self, router_config cfg,
       std::unordered_map<std::string, worker_pool_actor> pools);

} // namespace troupe
