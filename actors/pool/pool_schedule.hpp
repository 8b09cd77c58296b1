#pragma once

#include "actors/base/deadline_queue.hpp"
#include "actors/pool/job_queue.hpp"
#include "messages/interfaces.hpp"
#include "messages/job.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::pool {

/// The bounds and rules a `pool_schedule` works with; the pool fills them
/// from its config and its skill.
struct schedule_limits {
  /// Workers kept even when idle, and workers at most.
  uint32_t min_workers = 1;
  uint32_t max_workers = 1;
  uint64_t queue_capacity = 10'000;
  /// Deadline of a job that does not set its own timeout.
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// Workers above the minimum retire after being idle this long.
  caf::timespan idle_timeout = std::chrono::seconds(60);
  /// Waiting this long counts as one priority level.
  caf::timespan priority_aging = std::chrono::seconds(1);
  /// Whether a job whose attempt died may run again, and its attempts at
  /// most (unless the job asks for fewer).
  bool idempotent = true;
  uint32_t max_attempts = 2;
  /// Whether a worker has proven that it can start only once it finished a
  /// job (or idled out): worker processes, which may exit right after they
  /// started. A worker lost before then counts as a failed start.
  bool first_job_proves_start = false;
  /// A worker is replaced after this many jobs; 0 = never.
  uint64_t recycle_after = 0;
};

/// A worker pool's scheduling, without an actor and without workers: which
/// job runs next and on which worker, when a job's deadline passes, how
/// many workers to start or retire, and what becomes of a job whose
/// attempt died. Time is the caller's (tests control it). The pool actor
/// owns one, does what it decides through its `worker_backend`, and answers
/// the jobs it hands back.
///
/// Jobs are named by a pool-local ticket, workers by a pool-local id. A job
/// is queued (its worker 0) or runs on a worker; `queued()` counts the
/// queued ones exactly, while the queue and the deadlines may hold stale
/// entries of jobs that left otherwise, skipped when met and compacted away
/// (`compact`). Not thread-safe: one actor owns it.
class pool_schedule {
 public:
  using time_point = caf::actor_clock::time_point;

  struct pending_job {
    job j;
    result_sink_actor sink;
    time_point arrived;
    time_point deadline;
    /// When the current (or last) attempt started; {} = never.
    time_point started;
    /// Its place in the queue, kept so that a retried job goes back there.
    job_queue::entry place;
    uint32_t attempts = 0;
    /// The worker running it; 0 while queued.
    uint64_t worker = 0;
  };

  /// One worker as the schedule sees it, whatever runs it.
  struct worker_slot {
    /// The job it runs; 0 = none.
    uint64_t ticket = 0;
    /// False while it starts (before it reported ready).
    bool ready = true;
    /// Its job was answered already (timeout, cancellation): the result
    /// it still delivers is dropped.
    bool answered = false;
    time_point idle_since;
    uint64_t jobs_done = 0;
  };

  /// A queued job paired with an idle worker by `next_assignment`, or
  /// (`expired`, worker 0) a queued job whose deadline passed while it
  /// waited: the caller answers it.
  struct assignment {
    uint64_t ticket = 0;
    uint64_t worker = 0;
    bool expired = false;
  };

  /// What became of a job whose worker died under it.
  enum class lost_outcome : uint8_t {
    gone,     ///< the job had been answered already
    requeued, ///< back in the queue at its old place
    failed,   ///< out of attempts (or not idempotent): the caller fails it
  };

  pool_schedule() : pool_schedule(schedule_limits{}) {
    // nop
  }

  explicit pool_schedule(schedule_limits limits);

  const schedule_limits& limits() const noexcept {
    return limits_;
  }

  // -- jobs -------------------------------------------------------------------

  /// Whether the queue has no room for another job.
  bool full() const noexcept {
    return queued_ >= limits_.queue_capacity;
  }

  /// Queues a job that arrived at `arrived` (its priority ages from then)
  /// and must be answered by `deadline`, with `attempts` made already (a
  /// predecessor's); returns its ticket.
  uint64_t push(job j, result_sink_actor sink, time_point arrived,
                time_point deadline, uint32_t attempts = 0);

  pending_job* find(uint64_t ticket) noexcept {
    auto i = jobs_.find(ticket);
    return i != jobs_.end() ? &i->second : nullptr;
  }

  /// Removes the job `ticket` (it is being answered or handed on) after
  /// `f(job)` took what it needs from it; false when there is no such job.
  template <class F>
  bool take(uint64_t ticket, F&& f) {
    auto i = jobs_.find(ticket);
    if (i == jobs_.end())
      return false;
    if (i->second.worker == 0)
      --queued_;
    f(i->second);
    jobs_.erase(i);
    return true;
  }

  /// The deadline a job arriving at `now` gets.
  time_point deadline_for(const job& j, time_point now) const noexcept;

  /// Attempts the job `j` may make.
  uint32_t attempts_allowed(const job& j) const noexcept;

  /// Whether the job may run again after its attempt died.
  bool may_retry(const pending_job& pj) const noexcept {
    return limits_.idempotent && pj.attempts < attempts_allowed(pj.j);
  }

  /// Time left to the job before its deadline (never negative).
  static caf::timespan remaining(const pending_job& pj, time_point now) {
    auto left = pj.deadline - now;
    return left > caf::timespan{0} ? left : caf::timespan{0};
  }

  /// Pops the first queued job for an idle worker, highest priority first:
  /// marks it running there (one more attempt) or, when its deadline
  /// passed while it waited, hands it back `expired`. False when no job or
  /// no idle worker is left.
  bool next_assignment(time_point now, assignment& out);

  /// Pops the queued jobs in the order they would have run (for a pool that
  /// ends); each stays held until `take`n.
  bool next_queued(uint64_t& ticket);

  /// The job `ticket` lost its worker. `taken`: the worker had started it
  /// (it is an attempt); otherwise it was never attempted and is requeued
  /// whatever the skill.
  lost_outcome lost_attempt(uint64_t ticket, bool taken);

  /// Calls `f(ticket)` for every job whose deadline passed at `now`, while
  /// it is still held.
  template <class F>
  void pop_due(time_point now, F&& f) {
    deadlines_.pop_due(now, [&](uint64_t ticket) {
      if (jobs_.count(ticket) > 0)
        f(ticket);
    });
  }

  /// Drops stale entries from the queue and the deadlines when they
  /// dominate.
  void compact();

  /// The earliest deadline held (max() when none).
  time_point next_deadline() const {
    return deadlines_.empty() ? time_point::max() : deadlines_.next();
  }

  /// Every job held, by ticket.
  const std::unordered_map<uint64_t, pending_job>& jobs() const noexcept {
    return jobs_;
  }

  /// Jobs waiting for a worker.
  uint64_t queued() const noexcept {
    return queued_;
  }

  // -- workers ----------------------------------------------------------------

  /// The id for the next worker to start.
  uint64_t next_worker_id() noexcept {
    return next_worker_++;
  }

  /// Adds the started worker `id`: idle at once when `ready`, else
  /// starting until `worker_ready`. Returns when it may retire for having
  /// idled (max() = not at this size).
  time_point add_worker(uint64_t id, bool ready, time_point now);

  /// The starting worker `id` reported ready; false when it is not one.
  /// `retire_at` as for `add_worker`.
  bool worker_ready(uint64_t id, time_point now, time_point& retire_at);

  /// Removes the worker `id` from the schedule and returns it.
  worker_slot remove_worker(uint64_t id);

  worker_slot* find_worker(uint64_t id) noexcept {
    auto i = workers_.find(id);
    return i != workers_.end() ? &i->second : nullptr;
  }

  /// Worker `id` is free at once after its job was answered without it
  /// (nothing of it runs on). Returns as `add_worker`.
  time_point release(uint64_t id, time_point now);

  /// Worker `id` ended its run of `ticket`; false when that is stale (the
  /// worker is gone or runs another job). `answered`: the job had been
  /// answered without it. `recycle`: it is due for replacement and was
  /// removed; otherwise it is idle and `retire_at` as for `add_worker`.
  bool end_run(uint64_t id, uint64_t ticket, time_point now, bool& answered,
               bool& recycle, time_point& retire_at);

  /// How many workers to start now: up to the minimum, and beyond it (up
  /// to the maximum) for queued jobs no idle or starting worker will take.
  /// While starts keep failing, at most one at a time after the backoff
  /// (also with no minimum, so that a fixed program is picked up without a
  /// job coming first); `retry_at` is then when to ask again (max() =
  /// no need).
  size_t workers_to_start(time_point now, time_point& retry_at) const;

  /// Removes the idle workers above the minimum that idled long enough by
  /// `now`, oldest first, calling `f(id)` for each; returns when the next
  /// would be due (max() when none).
  template <class F>
  time_point retire_idle(time_point now, F&& f) {
    auto next = time_point::max();
    size_t i = 0;
    while (i < idle_.size() && workers_.size() > limits_.min_workers) {
      auto id = idle_[i];
      auto due = workers_[id].idle_since + limits_.idle_timeout;
      if (due > now) {
        next = std::min(next, due);
        ++i;
        continue;
      }
      // It lived long enough to idle out: the program works.
      if (limits_.first_job_proves_start)
        start_failures_ = 0;
      remove_worker(id);
      f(id);
    }
    return next;
  }

  size_t workers() const noexcept {
    return workers_.size();
  }

  size_t idle() const noexcept {
    return idle_.size();
  }

  uint32_t busy() const noexcept {
    return busy_;
  }

  uint32_t starting() const noexcept {
    return starting_;
  }

  // -- failed starts ----------------------------------------------------------

  /// Whether losing this worker counts as a failed start.
  bool lost_start(const worker_slot& w) const noexcept {
    return limits_.first_job_proves_start && w.jobs_done == 0;
  }

  /// A worker failed to start (or was lost before it proved itself) for
  /// `reason`: the next start waits 100 ms, doubling up to 5 s while they
  /// keep failing. Returns when the next start may happen.
  time_point start_failed(std::string reason, time_point now);

  /// Whether starts keep failing while no worker is up: then jobs are
  /// answered at once instead of waiting for their deadline.
  bool cannot_start() const noexcept;

  uint32_t start_failures() const noexcept {
    return start_failures_;
  }

  /// Why the last start failed.
  const std::string& start_error() const noexcept {
    return start_error_;
  }

 private:
  bool is_queued(uint64_t ticket) const {
    auto i = jobs_.find(ticket);
    return i != jobs_.end() && i->second.worker == 0;
  }

  time_point make_idle(uint64_t id, worker_slot& w, time_point now);

  schedule_limits limits_;

  uint64_t next_ticket_ = 1;
  std::unordered_map<uint64_t, pending_job> jobs_;
  job_queue queue_;
  uint64_t queued_ = 0;
  base::deadline_queue deadlines_;

  uint64_t next_worker_ = 1;
  std::unordered_map<uint64_t, worker_slot> workers_;
  /// Idle workers, most recently used last: the ones at the front idle
  /// longest and retire first.
  std::vector<uint64_t> idle_;
  uint32_t busy_ = 0;
  uint32_t starting_ = 0;

  uint32_t start_failures_ = 0;
  std::string start_error_;
  time_point next_start_;
};

} // namespace troupe::pool
