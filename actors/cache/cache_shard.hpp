#pragma once

#include "actors/base/deadline_queue.hpp"
#include "actors/base/last_will.hpp"
#include "actors/cache/cache_metrics.hpp"
#include "actors/cache/result_store.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "actors/skills/cache_policy.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace troupe::cache {

/// What a cache shard needs; filled by the node from its config.
struct cache_shard_config {
  std::string node_name;
  /// This shard's slice of the node's byte budget.
  uint64_t budget = 32 * 1024 * 1024;
  /// TinyLFU admission (off = plain LRU).
  bool admission = true;
  /// Policies of the cached skills, by name; jobs of other skills are
  /// passed to their pool untouched.
  std::unordered_map<std::string, skills::cache_policy> policies;
  /// Cached skills whose jobs must not run twice: a shard that ends while
  /// running one answers its waiters instead of running it again.
  std::unordered_set<std::string> not_idempotent;
  /// Timeout of a job sent to a shard directly, without a deadline set by a
  /// router, that names none: per cached skill (the skill's timeout or the
  /// node's default), else `default_timeout`.
  std::unordered_map<std::string, caf::timespan> timeouts;
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// Refresh-aheads this shard may start per second (0 = none).
  double refresh_rate = 5;
  /// A hit in the last `1 - refresh_after` of its entry's TTL refreshes it.
  double refresh_after = 0.8;
  /// Sketch frequency from which an entry counts as hot.
  uint32_t hot_frequency = 3;
  /// How often expired entries are swept, and how many slots per sweep.
  caf::timespan sweep_interval = std::chrono::seconds(1);
  size_t sweep_slots = 4096;
  /// Null disables metrics (tests).
  cache_metrics_ptr metrics;
  /// Job counts: the shard answers hits and coalesced waiters itself.
  metrics::job_metrics_ptr jobs;
};

/// State of one cache shard: the results of its keys and the executions in
/// flight for them.
struct cache_shard_state {
  static constexpr const char* name = "cache_shard";

  using clock = caf::actor_clock;
  using time_point = clock::time_point;

  struct waiter {
    uint64_t id;
    result_sink_actor sink;
    time_point arrived;
    /// Set for a waiter that joined an execution which may outlast its own
    /// deadline: its key in `waiter_deadlines`.
    uint64_t watch = 0;
  };

  /// A cached skill: its policy, lookups and job counters.
  struct skill_entry {
    skills::cache_policy policy;
    skill_hits lookups;
    metrics::job_metrics::skill_counters jobs;
  };

  /// One execution of a key's job on behalf of every waiter.
  struct flight {
    cache_key key;
    std::string skill;
    job_runner_actor pool;
    /// When the execution's own deadline passes (its runner answers
    /// TIMEOUT then).
    time_point deadline;
    /// The job as it arrived, for running it again if the shard ends
    /// before its result comes back.
    job request;
    std::vector<waiter> waiters;
    /// A refresh-ahead: nobody waits; a failure keeps the old entry.
    bool background = false;
  };

  cache_shard_config cfg;
  std::unique_ptr<result_store> store;
  /// Deadlines of waiters that joined an execution started for an earlier
  /// job: each ends TIMEOUT at its own deadline, not at the execution's.
  /// Watch key -> flight id and deadline.
  base::deadline_queue waiter_deadlines;
  std::unordered_map<uint64_t, std::pair<uint64_t, time_point>> watched;
  uint64_t next_watch = 1;
  time_point expire_due = time_point::max();
  uint64_t next_flight = 1;
  std::unordered_map<uint64_t, flight> flights;
  std::unordered_map<cache_key, uint64_t> flight_of;
  std::unordered_map<std::string, skill_entry> skills;
  uint64_t coalesced = 0;
  uint64_t refreshed = 0;
  uint64_t refresh_aheads = 0;
  uint64_t background_in_flight = 0;
  /// Token bucket bounding refresh-aheads.
  double tokens = 0;
  time_point tokens_updated;
  bool sweep_scheduled = false;
  /// Store figures last added to the metrics.
  result_store::stats published;
  /// Answers the waiters of every execution in flight when the shard ends
  /// for any reason. Keep last: it runs first at destruction.
  base::last_will will;
};

/// One shard of the node's result cache. A job of a cached skill arrives
/// with its key: a hit is answered from the store at once (cache_hit =
/// true); a miss starts one execution on the skill's pool that every
/// identical job arriving meanwhile joins (single-flight), and its result
/// goes to all of them and, per the skill's policy, into the store. A hit
/// on a hot entry near its expiry also recomputes it in the background, at
/// a bounded rate, so hot keys do not fall out of the cache. The shard
/// relies on its runners' contract (one result per job, also when they
/// crash: a node's pools answer through their last will or their
/// successor), so it does not watch them. A shard that ends while
/// executions are in flight hands each waiter's job straight to the runner
/// (results of the old executions would come back to nobody), or, for a
/// skill that is not idempotent or a node that is stopping, answers it.
cache_shard_actor::behavior_type
cache_shard(cache_shard_actor::stateful_pointer<cache_shard_state> self,
            cache_shard_config cfg);

} // namespace troupe::cache
