#pragma once

#include "messages/breaker_status.hpp"
#include "messages/cache_status.hpp"
#include "messages/health.hpp"
#include "messages/job_status.hpp"
#include "messages/member.hpp"

#include <caf/meta/type_name.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

/// A skill as a node offers it, with its pool's current load.
struct skill_info {
  std::string name;
  std::string version;
  std::string description;
  bool blocking = false;
  uint32_t workers = 0;
  uint32_t busy = 0;
  uint64_t queued = 0;
  uint64_t queue_capacity = 0;
  uint64_t in_flight = 0;
  uint32_t worker_restarts = 0;
  /// Whether a job may run twice (only then is it retried).
  bool idempotent = false;
  /// How the skill runs: in_pool, scheduled, blocking or process.
  std::string kind;
  /// Workers waiting for a job, and workers still starting (process
  /// workers before their first answer); busy + idle + starting = workers.
  uint32_t idle = 0;
  uint32_t starting = 0;
  /// The range an elastic pool moves in (equal for a fixed-size pool).
  uint32_t min_workers = 0;
  uint32_t max_workers = 0;
  /// Whether this node caches the skill's results (keyed with `version`).
  bool cached = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, skill_info& x) {
  return f(caf::meta::type_name("skill_info"), x.name, x.version, x.description,
           x.blocking, x.workers, x.busy, x.queued, x.queue_capacity,
           x.in_flight, x.worker_restarts, x.idempotent, x.cached, x.kind,
           x.idle, x.starting, x.min_workers, x.max_workers);
}

/// Terminal results counted per skill and status since the node started.
struct job_count {
  std::string skill;
  job_status status = job_status::ok;
  uint64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_count& x) {
  return f(caf::meta::type_name("job_count"), x.skill, x.status, x.count);
}

/// What `troupe status` shows about one node.
struct node_status {
  std::string name;
  std::string address;
  std::string version;
  uint64_t uptime_ms = 0;
  std::vector<skill_info> skills;
  std::vector<job_count> counts;
  uint64_t in_flight = 0;
  /// Every member of the node's cluster as the node sees it (itself
  /// included); empty when the node takes part in no cluster.
  std::vector<member> members;
  /// The node's result cache (shards = 0: no cache).
  cache_status cache;
  /// The breakers of the node's skills, by skill name.
  std::vector<breaker_status> breakers;
  /// From the health monitor: score 0..100, active alerts, restarts per
  /// supervisor and child. Filled by the gateway; a router alone leaves them
  /// empty.
  uint32_t health_score = 0;
  std::vector<alert> alerts;
  std::vector<restart_count> restarts;
  /// Whether the node stopped accepting jobs because it is shutting down.
  bool draining = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("node_status"), x.name, x.address, x.version,
           x.uptime_ms, x.skills, x.counts, x.in_flight, x.members, x.cache,
           x.breakers, x.health_score, x.alerts, x.restarts, x.draining);
}

/// All skills of a node, sorted by name.
struct skill_list {
  std::vector<skill_info> skills;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, skill_list& x) {
  return f(caf::meta::type_name("skill_list"), x.skills);
}

} // namespace troupe
