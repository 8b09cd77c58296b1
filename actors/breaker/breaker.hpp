#pragma once

#include "actors/base/deadline_queue.hpp"
#include "actors/base/last_will.hpp"
#include "actors/breaker/breaker_metrics.hpp"
#include "actors/breaker/circuit_breaker.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "actors/skills/retry_policy.hpp"
#include "actors/skills/skill.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

namespace troupe::breaker {

/// What a breaker needs besides its skill; filled by the node.
struct breaker_config {
  std::string node_name;
  /// Deadline of the skill's jobs that set none (the skill's or the node's).
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// Terminal results are counted here (the pool behind the breaker counts
  /// none, so that a retried job counts once). Null disables (tests).
  metrics::job_metrics_ptr metrics;
  breaker_metrics_ptr breaker_metrics;
  /// Seeds the backoff jitter; 0 = random.
  uint64_t seed = 0;
  /// Whether the breaker runs in a node's tree: then its pool handle is a
  /// registered name, which reaches the pool's current incarnation, and the
  /// breaker trusts its pool to answer every job (a node's pools do, also
  /// when they crash: through their last will or their successor); jobs it
  /// holds when it ends go on to its successor. Without one it watches the
  /// pool and answers for it when it stops.
  bool supervised = false;
  /// The node's router (its registered name), which runs fallback jobs;
  /// null until the router sends itself (a breaker outside a node).
  router_actor router;
};

/// Whether `skill` needs a breaker actor in front of its pool: its breaker
/// is enabled, or its failed jobs may be retried.
bool needs_breaker(const skills::skill_definition& skill);

/// State of one skill's breaker. Every job it accepts gets exactly one
/// result: its pool's (after retries), BREAKER_OPEN, the fallback's
/// (marked), or INTERNAL when the pool is gone. Jobs are tracked by a
/// breaker-local id, so submitters' ids never collide here.
struct breaker_state {
  static constexpr const char* name = "breaker";

  using clock = caf::actor_clock;
  using time_point = clock::time_point;

  /// A job the breaker holds.
  struct call {
    uint64_t client_id = 0;
    result_sink_actor sink;
    time_point arrived;
    /// Bounds every attempt and the fallback.
    time_point deadline;
    /// When the current attempt started (for slow calls).
    time_point started;
    circuit_breaker::ticket ticket;
    /// Attempts that ended so far, and how many the job may have.
    uint32_t attempts = 0;
    uint32_t max_attempts = 1;
    /// The fallback skill runs it (through the router).
    bool fallback = false;
    /// Waiting for its next attempt (backoff).
    bool waiting = false;
    /// The job as submitted, kept while another attempt may follow.
    job copy;
    /// Status and error of the last failed attempt, while waiting.
    std::string last_failure;
  };

  std::shared_ptr<const skills::skill_definition> skill;
  breaker_config cfg;
  /// Runs the jobs: the skill's pool, or any actor taking (job, sink).
  job_runner_actor pool;
  router_actor router;
  /// Null when the skill's breaker is off (the actor only retries).
  std::unique_ptr<circuit_breaker> circuit;
  /// The skill may retry at all (idempotent, attempts, statuses).
  bool may_retry = false;
  /// A job may run again after its worker died under it (idempotent, more
  /// than one attempt). The breaker owns every re-run of its skill's jobs:
  /// the pool runs each attempt once.
  bool may_rerun = false;
  /// Set when the pool stopped: every job is answered INTERNAL with it.
  std::optional<std::string> pool_lost;

  uint64_t next_id = 1;
  std::unordered_map<uint64_t, call> calls;
  /// Calls waiting for their next attempt, by when it is due.
  base::deadline_queue backoffs;
  time_point tick_due = time_point::max();
  std::mt19937_64 rng;

  uint64_t rejected = 0;
  uint64_t fallbacks = 0;
  uint64_t retries = 0;
  metrics::job_metrics::skill_counters jobs;
  bool has_jobs = false;
  breaker_metrics::skill_metrics metrics;
  /// Answers every job it holds when the breaker ends (their results would
  /// come back to it). Keep last: it runs first at destruction.
  base::last_will will;
};

/// A skill's circuit breaker and retries, in front of its pool (see
/// `circuit_breaker` for the states). A job the breaker lets through goes to
/// the pool with the breaker as its sink; its outcome feeds the breaker,
/// and a failed attempt with a status the skill retries is tried again
/// after an exponential backoff with full jitter while attempts remain and
/// the job's deadline allows. A job the breaker rejects is answered
/// BREAKER_OPEN at once, with the time until the next trial, or runs on the
/// skill's fallback skill through the router, its result marked as a
/// fallback. OPEN turns HALF_OPEN on a timer, without waiting for a call.
breaker_actor::behavior_type
breaker(breaker_actor::stateful_pointer<breaker_state> self,
        std::shared_ptr<const skills::skill_definition> skill,
        job_runner_actor pool, breaker_config cfg);

} // namespace troupe::breaker
