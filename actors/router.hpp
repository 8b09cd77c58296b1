#pragma once

#include "actors/job_metrics.hpp"
#include "actors/last_will.hpp"
#include "messages/interfaces.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

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
  /// The supervisor tree to follow for the pools' current handles; null
  /// when the pools given at spawn never change.
  supervisor_actor tree;
  /// Path of the supervisor whose children are the pools (`node/skills`).
  std::string pools_path;
  /// Jobs held while their skill's pool restarts; beyond, OVERLOADED.
  size_t max_held_jobs = 10'000;
};

/// State of a node's router: the table of skills this node offers.
struct router_state {
  static constexpr const char* name = "router";
  router_config cfg;
  /// Skill -> its pool; a null handle while the pool restarts.
  std::unordered_map<std::string, worker_pool_actor> pools;
  /// Jobs waiting for their skill's pool to come back, in arrival order.
  std::unordered_map<std::string, std::vector<std::pair<job, result_sink_actor>>>
    held;
  size_t held_count = 0;
  bool dying = false;
  /// Comma-separated skill names, for UNKNOWN_SKILL messages.
  std::string skill_names;
  std::chrono::steady_clock::time_point started;
  /// Routes or answers every job still held or unread when the router ends.
  /// Keep last: it runs first at destruction.
  last_will will;
};

/// The node's entry point for jobs: rejects malformed jobs (BAD_INPUT) and
/// unknown skills (UNKNOWN_SKILL, listing the known ones), forwards the rest
/// to their skill's pool, and answers skill and status queries by asking
/// every pool. With `cfg.tree` it follows pool restarts through the
/// supervisors' child events and holds a skill's jobs while its pool is
/// down, so no job goes to a dead pool.
router_actor::behavior_type
router(router_actor::stateful_pointer<router_state> self, router_config cfg,
       std::unordered_map<std::string, worker_pool_actor> pools);

} // namespace troupe
