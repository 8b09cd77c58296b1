#pragma once

#include "actors/base/last_will.hpp"
#include "actors/base/load_board.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "actors/pool/in_flight_limit.hpp"
#include "actors/pool/job_estate.hpp"
#include "actors/pool/pool_metrics.hpp"
#include "actors/pool/pool_schedule.hpp"
#include "actors/pool/worker_backend.hpp"
#include "actors/skills/skill.hpp"
#include "config/node_config.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

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
/// by a pool-local ticket, so submitters' ids never collide here. What runs
/// where and when is decided by `schedule`; `backend` carries it out.
struct worker_pool_state {
  static constexpr const char* name = "worker_pool";

  using clock = caf::actor_clock;
  using time_point = clock::time_point;

  std::shared_ptr<const skills::skill_definition> skill;
  worker_pool_config cfg;
  metrics::job_metrics::skill_counters counters;
  bool has_metrics = false;
  pool_metrics::skill_series series;
  bool has_series = false;

  pool_schedule schedule;
  /// The pool's workers; null for an in-pool skill, whose jobs the pool
  /// runs itself as they come, without queue or workers.
  std::unique_ptr<worker_backend> backend;
  uint32_t restarts = 0;

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
