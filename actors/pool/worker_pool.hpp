#pragma once

#include "actors/base/deadline_queue.hpp"
#include "actors/base/last_will.hpp"
#include "actors/base/load_board.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "actors/pool/in_flight_limit.hpp"
#include "actors/pool/job_estate.hpp"
#include "actors/pool/job_queue.hpp"
#include "actors/pool/native_worker.hpp"
#include "actors/pool/pool_metrics.hpp"
#include "actors/pool/process_worker.hpp"
#include "actors/skills/skill.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::pool {

/// How a pool runs its skill; filled by the node from its config
/// (`make_pool_config`).
struct worker_pool_config {
  std::string node_name;
  /// Workers kept even when idle, and workers at most (started as the
  /// queue grows); equal for a fixed-size pool.
  uint32_t min_workers = 4;
  uint32_t max_workers = 4;
  uint64_t queue_capacity = 10'000;
  /// Deadline of a job that does not set its own timeout.
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// Workers above the minimum retire after being idle this long.
  caf::timespan idle_timeout = std::chrono::seconds(60);
  /// Waiting this long counts as one priority level.
  caf::timespan priority_aging = std::chrono::seconds(1);
  /// The node's bound on jobs held by all its pools; null = none.
  in_flight_limit_ptr node_limit;
  /// The node's jobs in flight by skill, which this pool keeps current for
  /// the router's placement; null = not counted.
  base::load_board_ptr load;
  /// Null disables metrics (tests).
  metrics::job_metrics_ptr metrics;
  pool_metrics_ptr pool_metrics;
  /// Where the pool leaves the jobs it holds when it ends, and takes over
  /// the jobs of its predecessor at start; null: ended pools answer them.
  job_estate_ptr estate;
  /// Called whenever the pool replaces a crashed worker (supervision
  /// metrics).
  std::function<void()> on_worker_restart;
};

/// The pool settings of `skill` on a node configured by `node`: the skill's
/// own values where it has them, else the node's.
worker_pool_config make_pool_config(const skills::skill_definition& skill,
                                    const config::node_config& node);

/// State of one skill's worker pool. Every job it accepts gets exactly one
/// result: from a worker, or OVERLOADED (queue or node full), TIMEOUT
/// (deadline hit while queued or running), CANCELLED (its client cancelled
/// it) or SKILL_ERROR (worker crashed and no attempt left). Jobs are tracked
/// by a pool-local ticket, so submitters' ids never collide here.
struct worker_pool_state {
  static constexpr const char* name = "worker_pool";

  using clock = caf::actor_clock;
  using time_point = clock::time_point;

  // -- jobs -------------------------------------------------------------------

  struct pending_job {
    job j;
    result_sink_actor sink;
    time_point arrived;
    time_point deadline;
    /// When the current (or last) attempt started.
    time_point started;
    /// Its place in the queue, kept so that a retried job goes back there.
    job_queue::entry place;
    uint32_t attempts = 0;
    /// The worker running it; 0 while queued.
    uint64_t worker = 0;
  };

  // -- workers ----------------------------------------------------------------

  /// One worker, whatever runs it: a worker actor (scheduled skills), a
  /// thread (blocking skills), a child process with its I/O thread (process
  /// skills) or nothing but a place for a job awaiting its reply
  /// (asynchronous skills).
  struct worker_slot {
    worker_actor actor;
    std::unique_ptr<native_worker> thread;
    std::unique_ptr<process_worker> process;
    /// Asynchronous skills: the slot is a place for one job awaiting its
    /// reply, and this cancels that job's work when it is answered without
    /// it.
    std::shared_ptr<skills::cancellation> token;
    /// The job it runs; 0 = none.
    uint64_t ticket = 0;
    /// False while a process worker starts (before its first answer).
    bool ready = true;
    /// Its job was answered already (timeout, cancellation): the result
    /// it still delivers is dropped.
    bool answered = false;
    time_point idle_since;
    uint64_t jobs_done = 0;
  };

  std::shared_ptr<const skills::skill_definition> skill;
  worker_pool_config cfg;
  metrics::job_metrics::skill_counters counters;
  bool has_metrics = false;
  pool_metrics::skill_series series;
  bool has_series = false;

  uint64_t next_ticket = 1;
  std::unordered_map<uint64_t, pending_job> jobs;
  job_queue queue{std::chrono::seconds(1)};
  /// Jobs waiting in `queue` (which may also hold stale entries).
  uint64_t queued = 0;
  base::deadline_queue deadlines;

  uint64_t next_worker = 1;
  std::unordered_map<uint64_t, worker_slot> workers;
  /// Worker actors by address, for their down messages.
  std::unordered_map<caf::actor_addr, uint64_t> worker_ids;
  /// Idle workers, most recently used last: the ones at the front idle
  /// longest and retire first.
  std::vector<uint64_t> idle;
  uint32_t busy = 0;
  uint32_t starting = 0;
  uint32_t restarts = 0;

  /// Process skills: consecutive worker processes that failed to start
  /// (or were lost before they answered a job), the reason of the last
  /// failure and when the next start may happen (starts back off
  /// exponentially while they fail).
  uint32_t start_failures = 0;
  std::string start_error;
  time_point next_start;

  /// When the next tick is due; max() = none scheduled.
  time_point tick_due = time_point::max();

  /// This pool's count on the node's load board (every job it holds).
  base::load_share load;

  /// Hands every job still held (or in the mailbox) to the estate when the
  /// pool ends for any reason. Keep last: it runs first at destruction.
  base::last_will will;
};

/// A skill's pool: a bounded priority queue in front of its workers, with
/// per-job deadlines, cancellation, crash recovery and a worker count that
/// follows the queue between the configured minimum and maximum. In-pool
/// skills run inside the pool itself; scheduled skills in worker actors;
/// blocking skills on the pool's own threads (one per worker, so at most
/// `max_workers`); process skills in child processes (`process_worker`);
/// asynchronous skills are started in the pool and answer through their
/// `skill_reply`, at most `max_workers` at a time.
/// When the pool itself ends, jobs that never started, and started ones
/// that may run again, go to the estate for its successor; the rest are
/// answered at once.
worker_pool_actor::behavior_type
worker_pool(worker_pool_actor::stateful_pointer<worker_pool_state> self,
            std::shared_ptr<const skills::skill_definition> skill,
            worker_pool_config cfg);

} // namespace troupe::pool
