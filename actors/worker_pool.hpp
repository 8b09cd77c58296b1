#pragma once

#include "actors/job_estate.hpp"
#include "actors/job_metrics.hpp"
#include "actors/last_will.hpp"
#include "actors/skill.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe {

/// How a pool runs its skill; filled by the node from its config.
struct worker_pool_config {
  std::string node_name;
  uint32_t workers = 4;
  uint64_t queue_capacity = 10'000;
  /// Deadline of a job that does not set its own timeout.
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// Null disables metrics (tests).
  job_metrics_ptr metrics;
  /// Where the pool leaves the jobs it holds when it ends, and takes over
  /// the jobs of its predecessor at start; null: ended pools answer them.
  job_estate_ptr estate;
  /// Called whenever the pool replaces a crashed worker (metrics).
  std::function<void()> on_worker_restart;
};

/// State of one skill's worker pool. Every job it accepts gets exactly one
/// result: from a worker, or OVERLOADED (queue full), TIMEOUT (deadline hit
/// while queued or running) or SKILL_ERROR (worker crashed and no attempt
/// left). Jobs are tracked by a pool-local ticket, so submitters' ids never
/// collide here.
struct worker_pool_state {
  static constexpr const char* name = "worker_pool";

  using clock = caf::actor_clock;
  using time_point = clock::time_point;

  struct pending_job {
    job j;
    result_sink_actor sink;
    time_point arrived;
    time_point deadline;
    time_point started;
    uint32_t attempts = 0;
    /// Set while a worker runs it.
    caf::actor_addr worker;
  };

  struct deadline_entry {
    time_point when;
    uint64_t ticket;
    bool operator>(const deadline_entry& other) const {
      return when > other.when;
    }
  };

  std::shared_ptr<const skill_definition> skill;
  worker_pool_config cfg;
  job_metrics::skill_counters counters;
  bool has_metrics = false;

  uint64_t next_ticket = 1;
  std::unordered_map<uint64_t, pending_job> jobs;
  /// Tickets in arrival order; may hold tickets of jobs that already timed
  /// out, which dispatch skips. `queued` counts the live ones.
  std::deque<uint64_t> queue;
  uint64_t queued = 0;
  std::vector<worker_actor> idle;
  /// Every live worker -> the ticket it runs (0 = idle).
  std::unordered_map<caf::actor_addr, uint64_t> workers;
  std::priority_queue<deadline_entry, std::vector<deadline_entry>,
                      std::greater<>>
    deadlines;
  /// When the next tick is due; max() = none scheduled.
  time_point tick_due = time_point::max();
  uint32_t restarts = 0;
  uint32_t running = 0;
  /// Hands every job still held (or in the mailbox) to the estate when the
  /// pool ends for any reason. Keep last: it runs first at destruction.
  last_will will;
};

/// A skill's pool: a bounded FIFO queue in front of `workers` native
/// workers, with per-job deadlines and crash recovery. When the pool itself
/// ends, jobs that never started, and started ones that may run again, go to
/// the estate for its successor; the rest are answered at once.
worker_pool_actor::behavior_type
worker_pool(worker_pool_actor::stateful_pointer<worker_pool_state> self,
            std::shared_ptr<const skill_definition> skill,
            worker_pool_config cfg);

} // namespace troupe
