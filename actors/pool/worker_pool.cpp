#include "actors/pool/worker_pool.hpp"

#include "actors/base/mailbox_salvage.hpp"
#include "actors/base/self_tick.hpp"
#include "actors/log/logging.hpp"
#include "actors/pool/worker.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <unordered_set>

namespace troupe::pool {

namespace {

using pool_ptr = worker_pool_actor::stateful_pointer<worker_pool_state>;
using pending_job = worker_pool_state::pending_job;
using worker_slot = worker_pool_state::worker_slot;
using time_point = worker_pool_state::time_point;

// Worker processes failing to start are retried after 100 ms, 200 ms, ...
// up to 5 s; after this many failures in a row with no worker up, jobs are
// answered SKILL_ERROR at once rather than left waiting. A worker process
// that is lost before it finished a job counts as a failed start, whether it
// never answered its first ping or went away right after.
constexpr auto first_start_backoff
  = caf::timespan{std::chrono::milliseconds(100)};
constexpr auto max_start_backoff = caf::timespan{std::chrono::seconds(5)};
constexpr uint32_t max_start_failures = 3;

std::string millis(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + " ms";
}

bool in_pool(pool_ptr self) {
  auto& skill = *self->state.skill;
  return skill.kind == skills::skill_kind::native && !skills::is_async(skill)
         && skill.mode == skills::skill_mode::in_pool;
}

void publish_load(pool_ptr self) {
  auto& st = self->state;
  if (!st.has_series)
    return;
  if (in_pool(self)) {
    st.series.workers(0, 1, 0);
    return;
  }
  st.series.workers(st.busy, static_cast<uint32_t>(st.idle.size()),
                    st.starting);
  st.series.queued(st.queued);
}

void schedule_tick(pool_ptr self, time_point when) {
  base::arm_self_tick(self, self->state.tick_due, when);
}

// -- answering ----------------------------------------------------------------

// Sends the result to the job's submitter and forgets the job.
void finish(pool_ptr self, uint64_t ticket, job_result r) {
  auto& st = self->state;
  auto i = st.jobs.find(ticket);
  if (i == st.jobs.end())
    return;
  auto& pj = i->second;
  auto now = self->clock().now();
  r.id = pj.j.id;
  if (r.skill.empty())
    r.skill = pj.j.skill;
  r.node = st.cfg.node_name;
  r.attempts = std::max(pj.attempts, r.attempts);
  auto ran = pj.started != time_point{};
  r.queue_time = (ran ? pj.started : now) - pj.arrived;
  if (st.has_metrics)
    st.counters.record(r.status, now - pj.arrived);
  if (st.has_series && ran)
    st.series.ran(r.queue_time, r.run_time);
  if (st.cfg.node_limit)
    st.cfg.node_limit->release();
  st.load.remove();
  self->send(pj.sink, std::move(r));
  st.jobs.erase(i);
}

void fail(pool_ptr self, uint64_t ticket, job_status status,
          std::string error) {
  job_result r;
  r.status = status;
  r.error = std::move(error);
  finish(self, ticket, std::move(r));
}

// Answers a job that never entered the pool.
void refuse(pool_ptr self, const job& j, const result_sink_actor& sink,
            job_status status, std::string error) {
  auto& st = self->state;
  auto r = make_failure(j, status, std::move(error));
  r.node = st.cfg.node_name;
  if (st.has_metrics)
    st.counters.record(r.status, caf::timespan{0});
  self->send(sink, std::move(r));
}

// -- workers ------------------------------------------------------------------

void make_idle(pool_ptr self, uint64_t id, worker_slot& w) {
  auto& st = self->state;
  w.idle_since = self->clock().now();
  st.idle.push_back(id);
  if (st.workers.size() > st.cfg.min_workers)
    schedule_tick(self, w.idle_since + st.cfg.idle_timeout);
}

// Sends a message to the pool from a worker's thread. The thread may
// outlive the pool (a skill stuck in its own code), so it holds a weak
// reference and sends nothing once the pool is gone.
template <class... Ts>
void tell(const caf::actor_addr& pool, Ts&&... xs) {
  if (auto strong = caf::actor_cast<worker_pool_actor>(pool))
    caf::anon_send(strong, std::forward<Ts>(xs)...);
}

native_worker::callbacks thread_callbacks(pool_ptr self, uint64_t id) {
  native_worker::callbacks cb;
  auto pool = self->address();
  cb.done = [pool, id](uint64_t ticket, job_result&& r) {
    tell(pool, atom::done::value, id, ticket, std::move(r));
  };
  cb.crashed = [pool, id](uint64_t ticket, std::string reason) {
    tell(pool, atom::lost::value, id, ticket, restart_reason::crashed,
         std::move(reason));
  };
  return cb;
}

process_worker::callbacks process_callbacks(pool_ptr self, uint64_t id) {
  process_worker::callbacks cb;
  auto pool = self->address();
  cb.ready = [pool, id] {
    tell(pool, atom::ready::value, id);
  };
  cb.done = [pool, id](uint64_t ticket, job_result&& r) {
    tell(pool, atom::done::value, id, ticket, std::move(r));
  };
  cb.lost = [pool, id](uint64_t ticket, restart_reason why,
                       std::string reason) {
    tell(pool, atom::lost::value, id, ticket, why, std::move(reason));
  };
  return cb;
}

// Starts one worker; false when the system refused a thread.
bool spawn_worker(pool_ptr self) {
  auto& st = self->state;
  auto id = st.next_worker++;
  worker_slot w;
  try {
    if (skills::is_async(*st.skill)) {
      w.token = std::make_shared<skills::cancellation>();
    } else if (st.skill->kind == skills::skill_kind::process) {
      // Not ready before its first pong: it takes no job until then.
      w.process = std::make_unique<process_worker>(st.skill,
                                                   process_callbacks(self, id));
      w.ready = false;
    } else if (st.skill->mode == skills::skill_mode::blocking) {
      // A thread of the pool's own: blocking code never touches the
      // scheduler, and the pool's size bounds the skill's threads.
      w.thread = std::make_unique<native_worker>(st.skill,
                                                 thread_callbacks(self, id));
    } else {
      // Linked so that workers end with their pool; monitored so that a
      // crash becomes a down message with the job still identifiable.
      auto me = caf::actor_cast<worker_pool_actor>(self);
      w.actor = self->spawn<caf::linked + caf::monitored>(worker, me, st.skill,
                                                          id);
      st.worker_ids.emplace(w.actor.address(), id);
    }
  } catch (const std::exception& e) {
    log::actors().error("worker_pool {}: cannot start a worker: {}",
                        st.skill->name, e.what());
    return false;
  }
  auto& slot = st.workers.emplace(id, std::move(w)).first->second;
  if (slot.ready)
    make_idle(self, id, slot);
  else
    ++st.starting;
  return true;
}

// Removes a worker from the pool's tables; returns it so the caller can
// tell it what to do.
worker_slot take_worker(pool_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.workers.find(id);
  auto w = std::move(i->second);
  st.workers.erase(i);
  if (w.actor) {
    st.worker_ids.erase(w.actor.address());
    self->demonitor(w.actor.address());
    self->unlink_from(w.actor.address());
  }
  auto idle = std::find(st.idle.begin(), st.idle.end(), id);
  if (idle != st.idle.end())
    st.idle.erase(idle);
  else if (!w.ready)
    --st.starting;
  else if (w.ticket != 0)
    --st.busy;
  return w;
}

// Lets an idle worker go (elastic shrink): it ends after finishing nothing.
void retire(pool_ptr self, uint64_t id) {
  auto w = take_worker(self, id);
  if (w.actor)
    self->send(w.actor, atom::stop::value);
  // A native_worker's thread ends when the object goes away; a
  // process_worker's child gets EOF on its stdin and exits.
}

// Whether the pool's worker processes keep failing to start while none is
// up: then jobs are answered at once instead of waiting for their deadline.
bool cannot_start(pool_ptr self) {
  auto& st = self->state;
  return st.start_failures >= max_start_failures && st.busy == 0
         && st.idle.empty();
}

// Worker processes that keep failing are started one at a time, after the
// backoff, not in a tight loop. While none can be started, the pool goes on
// trying in the background (even one with no minimum size), so that a fixed
// program is picked up without a job having to come first.
void start_after_failures(pool_ptr self, size_t target) {
  auto& st = self->state;
  if (st.starting > 0)
    return;
  if (cannot_start(self))
    target = std::max<size_t>(target, 1);
  if (st.workers.size() >= target)
    return;
  if (self->clock().now() < st.next_start) {
    schedule_tick(self, st.next_start);
    return;
  }
  spawn_worker(self);
}

// Starts workers up to the minimum, and beyond it (up to the maximum) for
// jobs that no idle or starting worker will take.
void scale_up(pool_ptr self) {
  auto& st = self->state;
  if (in_pool(self))
    return;
  auto covered = st.idle.size() + st.starting;
  auto want = st.queued > covered ? st.queued - covered : 0;
  auto total = st.workers.size();
  auto target = std::max<size_t>(
    st.cfg.min_workers, std::min<size_t>(st.cfg.max_workers, total + want));
  if (st.start_failures > 0) {
    start_after_failures(self, target);
    return;
  }
  for (auto n = total; n < target; ++n)
    if (!spawn_worker(self))
      break;
}

// -- running jobs -------------------------------------------------------------

caf::timespan remaining(pool_ptr self, const pending_job& pj) {
  auto left = pj.deadline - self->clock().now();
  return left > caf::timespan{0} ? left : caf::timespan{0};
}

// Starts the job `ticket` of an asynchronous skill on slot `id`: the skill
// returns at once and its reply comes back as `done` (a crash as `lost`),
// like a worker thread's result. What the skill throws comes back the same
// way.
void start_async(pool_ptr self, uint64_t id, worker_slot& w,
                 const pending_job& pj, uint64_t ticket, caf::timespan left) {
  auto& st = self->state;
  auto pool = self->address();
  skills::skill_reply reply{
    st.skill->name, [pool, id, ticket](skills::skill_run&& run) {
      if (run.crashed)
        tell(pool, atom::lost::value, id, ticket, restart_reason::crashed,
             std::move(run.result.error));
      else
        tell(pool, atom::done::value, id, ticket, std::move(run.result));
    }};
  auto deadline
    = std::chrono::steady_clock::now()
      + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
  skills::start_async_skill(*st.skill, pj.j.input,
                            skills::skill_context{w.token, ticket, deadline},
                            reply);
}

void start(pool_ptr self, uint64_t id, uint64_t ticket) {
  auto& st = self->state;
  auto& w = st.workers[id];
  auto& pj = st.jobs[ticket];
  w.ticket = ticket;
  w.answered = false;
  ++st.busy;
  pj.worker = id;
  pj.started = self->clock().now();
  ++pj.attempts;
  auto left = remaining(self, pj);
  if (w.token)
    start_async(self, id, w, pj, ticket, left);
  else if (w.process)
    w.process->run(ticket, pj.j.input, left, pj.attempts);
  else if (w.thread)
    w.thread->run(
      ticket, pj.j.input,
      std::chrono::steady_clock::now()
        + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          left));
  else
    self->send(w.actor, atom::run::value, ticket, pj.j.input, left);
}

// The error of a job whose worker died under it, with no attempt left.
std::string crash_error(const skills::skill_definition& skill,
                        const std::string& reason, uint32_t attempts) {
  return "the worker running skill '" + skill.name + "' died mid-job (" + reason
         + "); attempts: " + std::to_string(attempts)
         + (skill.idempotent ? "" : ", not retried: skill is not idempotent");
}

uint32_t attempts_allowed(const skills::skill_definition& skill, const job& j) {
  return j.options.max_attempts > 0
           ? std::min(j.options.max_attempts, skill.max_attempts)
           : skill.max_attempts;
}

void on_lost_attempt(pool_ptr self, uint64_t ticket, const std::string& reason,
                     bool taken);

void count_restart(pool_ptr self, restart_reason why);

// Runs a job of an in-pool skill right here: such skills are short by
// contract, and skipping the hand-off to a worker and back saves two
// messages per job. The job never enters the tables: nothing can happen to
// it before it is answered.
void run_inline(pool_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  auto max_attempts = attempts_allowed(*st.skill, j);
  auto arrived = self->clock().now();
  job_result r;
  uint32_t attempts = 0;
  for (;;) {
    ++attempts;
    auto run = skills::run_skill(*st.skill, j.input);
    r = std::move(run.result);
    if (!run.crashed)
      break;
    // Skill code must never take the pool (and every queued job) down: a
    // crash here is the death of a worker that does not exist.
    count_restart(self, restart_reason::crashed);
    if (!st.skill->idempotent || attempts >= max_attempts) {
      auto reason = std::move(r.error);
      r = job_result{};
      r.status = job_status::skill_error;
      r.error = crash_error(*st.skill, reason, attempts);
      break;
    }
  }
  r.id = j.id;
  r.skill = std::move(j.skill);
  r.node = st.cfg.node_name;
  r.attempts = attempts;
  if (st.has_metrics)
    st.counters.record(r.status, self->clock().now() - arrived);
  if (st.has_series)
    st.series.ran(caf::timespan{0}, r.run_time);
  self->send(sink, std::move(r));
}

// Hands queued jobs to idle workers, highest priority first, and grows the
// pool for the jobs left waiting.
void dispatch(pool_ptr self) {
  auto& st = self->state;
  scale_up(self);
  auto now = self->clock().now();
  auto is_queued = [&](uint64_t ticket) {
    auto i = st.jobs.find(ticket);
    return i != st.jobs.end() && i->second.worker == 0;
  };
  while (st.queued > 0 && !st.idle.empty()) {
    job_queue::entry next;
    if (!st.queue.pop(is_queued, next))
      break;
    --st.queued;
    auto& pj = st.jobs[next.ticket];
    // The deadline travels with the job: one that expired while waiting is
    // answered without running, even if its timer has not fired yet.
    if (pj.deadline <= now) {
      fail(self, next.ticket, job_status::timeout,
           "job waited in the queue of skill '" + st.skill->name
             + "' past its deadline of " + millis(pj.deadline - pj.arrived));
      continue;
    }
    auto id = st.idle.back();
    st.idle.pop_back();
    start(self, id, next.ticket);
  }
  publish_load(self);
}

// Counts a replaced worker (status and metrics).
void count_restart(pool_ptr self, restart_reason why) {
  auto& st = self->state;
  ++st.restarts;
  if (st.has_series)
    st.series.restarted(why);
  if (st.cfg.on_worker_restart)
    st.cfg.on_worker_restart();
}

// The job running on worker `id` was answered without it (deadline,
// cancellation): stop the work where possible. Threads and scheduled
// workers stay busy until their code returns (their result is dropped), so
// a skill never has more threads than workers; native skill code sees the
// cancellation in its context. A process worker's child is killed, and the
// worker replaced.
void abandon_run(pool_ptr self, uint64_t id, restart_reason why) {
  auto& st = self->state;
  auto i = st.workers.find(id);
  if (i == st.workers.end())
    return;
  auto& w = i->second;
  w.answered = true;
  if (w.token) {
    // Nothing runs in an asynchronous skill's slot: it takes the next job
    // at once, and a late reply finds a different ticket there.
    w.token->cancel(w.ticket);
    w.ticket = 0;
    w.answered = false;
    --st.busy;
    make_idle(self, id, w);
    return;
  }
  if (w.process) {
    w.process->kill();
    take_worker(self, id);
    count_restart(self, why);
    log::actors().debug("worker_pool {}: killed worker {} ({})", st.skill->name,
                        id, to_string(why));
    return;
  }
  if (w.thread)
    w.thread->cancel(w.ticket);
  else
    self->send(w.actor, atom::cancel::value, w.ticket);
}

// A worker finished its job (or, after `answered`, the job that was taken
// from it): it takes the next one, unless it is due for recycling.
void on_done(pool_ptr self, uint64_t id, uint64_t ticket, job_result& r) {
  auto& st = self->state;
  auto i = st.workers.find(id);
  if (i == st.workers.end() || i->second.ticket != ticket)
    return; // late result of a worker that is gone
  auto& w = i->second;
  auto answered = w.answered;
  // A worker process that answers a job works: starts stop backing off.
  if (w.process)
    st.start_failures = 0;
  w.ticket = 0;
  w.answered = false;
  ++w.jobs_done;
  --st.busy;
  if (!answered)
    finish(self, ticket, std::move(r));
  auto recycle_after = st.skill->process.recycle_after;
  if (w.process && recycle_after > 0 && w.jobs_done >= recycle_after) {
    // A fresh process replaces it as soon as jobs need one.
    take_worker(self, id);
    count_restart(self, restart_reason::recycled);
  } else {
    make_idle(self, id, w);
  }
  dispatch(self);
}

// A process worker answered its first ping: it takes jobs from now on. It
// has not proven itself yet: one that goes away before it answered a job
// counts as a failed start.
void on_ready(pool_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.workers.find(id);
  if (i == st.workers.end() || i->second.ready)
    return;
  i->second.ready = true;
  --st.starting;
  make_idle(self, id, i->second);
  dispatch(self);
}

// -- failures -----------------------------------------------------------------

// The worker given `ticket` is gone. If it had `taken` the job, the attempt
// died with it: requeue the job at its old place if its skill is idempotent
// and attempts remain (it runs on another worker: a fresh process for
// process skills), else fail it. A process worker may end before it takes
// the job the pool just gave it: then that was no attempt, and the job goes
// back to the queue whatever its skill.
void on_lost_attempt(pool_ptr self, uint64_t ticket, const std::string& reason,
                     bool taken) {
  auto& st = self->state;
  auto j = st.jobs.find(ticket);
  if (j == st.jobs.end())
    return;
  auto& pj = j->second;
  pj.worker = 0;
  if (!taken && --pj.attempts == 0)
    pj.started = time_point{};
  if (!taken
      || (st.skill->idempotent
          && pj.attempts < attempts_allowed(*st.skill, pj.j))) {
    st.queue.push(pj.place);
    ++st.queued;
  } else {
    fail(self, ticket, job_status::skill_error,
         crash_error(*st.skill, reason, pj.attempts));
  }
}

std::string start_failure_error(pool_ptr self) {
  auto& st = self->state;
  return "skill '" + st.skill->name + "' cannot start its worker processes ("
         + std::to_string(st.start_failures)
         + " attempts in a row failed): " + st.start_error;
}

// Answers every queued job when no worker process can be started.
void fail_queued(pool_ptr self, job_status status, const std::string& why) {
  auto& st = self->state;
  std::vector<uint64_t> tickets;
  for (auto& [ticket, pj] : st.jobs)
    if (pj.worker == 0)
      tickets.push_back(ticket);
  for (auto ticket : tickets)
    fail(self, ticket, status, why);
  st.queued = 0;
}

void on_start_failed(pool_ptr self, const std::string& reason) {
  auto& st = self->state;
  ++st.start_failures;
  st.start_error = reason;
  auto backoff = std::min<caf::timespan>(
    first_start_backoff * (int64_t{1} << std::min(st.start_failures - 1, 10u)),
    max_start_backoff);
  st.next_start = self->clock().now() + backoff;
  schedule_tick(self, st.next_start);
  if (cannot_start(self))
    fail_queued(self, job_status::skill_error, start_failure_error(self));
}

// A worker is gone (its actor went down, its thread reported a crash, its
// process ended or was found unhealthy). `taken` is the job it says it was
// running when it went.
void on_worker_lost(pool_ptr self, uint64_t id, restart_reason why,
                    const std::string& reason, uint64_t taken) {
  auto& st = self->state;
  auto w = take_worker(self, id);
  count_restart(self, why);
  log::actors().warn("worker_pool {}: worker {} is gone ({}: {}), replacing "
                     "it",
                     st.skill->name, id, to_string(why), reason);
  if (w.ticket != 0 && !w.answered)
    on_lost_attempt(self, w.ticket, reason, taken == w.ticket);
  // Last, so that a job put back in the queue above is answered too when no
  // worker can be started.
  if (why == restart_reason::start_failed || (w.process && w.jobs_done == 0))
    on_start_failed(self, reason);
  dispatch(self);
}

// -- time ---------------------------------------------------------------------

void expire(pool_ptr self, uint64_t ticket) {
  auto& st = self->state;
  auto i = st.jobs.find(ticket);
  if (i == st.jobs.end())
    return;
  auto& pj = i->second;
  auto budget = millis(pj.deadline - pj.arrived);
  if (pj.worker == 0) {
    --st.queued;
    fail(self, ticket, job_status::timeout,
         "job waited in the queue of skill '" + st.skill->name
           + "' past its deadline of " + budget);
    return;
  }
  auto id = pj.worker;
  fail(self, ticket, job_status::timeout,
       "skill '" + st.skill->name + "' did not finish within " + budget);
  abandon_run(self, id, restart_reason::timeout);
}

// Retires workers above the minimum that idled long enough; returns when the
// next one would be due (max() when none).
time_point retire_idle(pool_ptr self, time_point now) {
  auto& st = self->state;
  auto next = time_point::max();
  // Oldest idle first (the front of `idle`).
  size_t i = 0;
  while (i < st.idle.size() && st.workers.size() > st.cfg.min_workers) {
    auto id = st.idle[i];
    auto due = st.workers[id].idle_since + st.cfg.idle_timeout;
    if (due > now) {
      next = std::min(next, due);
      ++i;
      continue;
    }
    // It lived long enough to idle out: the program works.
    if (st.workers[id].process)
      st.start_failures = 0;
    retire(self, id);
  }
  return next;
}

void on_tick(pool_ptr self) {
  auto& st = self->state;
  st.tick_due = time_point::max();
  auto now = self->clock().now();
  st.deadlines.pop_due(now, [&](uint64_t ticket) {
    expire(self, ticket);
  });
  st.deadlines.compact(st.jobs, [](const pending_job& pj) {
    return pj.deadline;
  });
  st.queue.compact(st.queued, [&](uint64_t ticket) {
    auto i = st.jobs.find(ticket);
    return i != st.jobs.end() && i->second.worker == 0;
  });
  auto next = retire_idle(self, now);
  if (!st.deadlines.empty())
    next = std::min(next, st.deadlines.next());
  if (next != time_point::max())
    schedule_tick(self, next);
  dispatch(self);
}

// -- requests -----------------------------------------------------------------

void on_job(pool_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  if (in_pool(self)) {
    run_inline(self, j, sink);
    return;
  }
  if (st.queued >= st.cfg.queue_capacity) {
    refuse(self, j, sink, job_status::overloaded,
           "skill '" + st.skill->name + "' queue is full ("
             + std::to_string(st.cfg.queue_capacity) + " jobs); retry later");
    return;
  }
  auto now = self->clock().now();
  // While no worker process can be started, jobs are answered at once; the
  // pool keeps trying to start one in the background.
  if (cannot_start(self)) {
    refuse(self, j, sink, job_status::skill_error, start_failure_error(self));
    return;
  }
  if (st.cfg.node_limit && !st.cfg.node_limit->try_acquire()) {
    refuse(self, j, sink, job_status::overloaded,
           "node " + st.cfg.node_name + " holds its maximum of "
             + std::to_string(st.cfg.node_limit->max())
             + " jobs in flight (max-in-flight); retry later");
    return;
  }
  st.load.add();
  auto timeout = j.options.timeout > caf::timespan{0} ? j.options.timeout
                                                      : st.cfg.default_timeout;
  timeout = std::min(timeout, max_job_timeout);
  auto ticket = st.next_ticket++;
  auto deadline = now + timeout;
  auto place = st.queue.make_entry(ticket, j.options.priority, now);
  st.jobs.emplace(
    ticket,
    pending_job{std::move(j), std::move(sink), now, deadline, {}, place, 0, 0});
  st.queue.push(place);
  ++st.queued;
  st.deadlines.push(deadline, ticket);
  schedule_tick(self, deadline);
  dispatch(self);
}

// Cancels the jobs `ids` of `sink`: queued ones are answered CANCELLED at
// once, running ones too, and their workers are told to stop.
void on_cancel(pool_ptr self, const std::vector<uint64_t>& ids,
               const result_sink_actor& sink) {
  auto& st = self->state;
  std::unordered_set<uint64_t> wanted{ids.begin(), ids.end()};
  auto addr = sink.address();
  std::vector<uint64_t> tickets;
  for (auto& [ticket, pj] : st.jobs)
    if (wanted.count(pj.j.id) > 0 && pj.sink.address() == addr)
      tickets.push_back(ticket);
  for (auto ticket : tickets) {
    auto worker = st.jobs[ticket].worker;
    if (worker == 0)
      --st.queued;
    fail(self, ticket, job_status::cancelled,
         "cancelled by its client"
           + std::string{worker != 0 ? " while running" : " while queued"});
    if (worker != 0)
      abandon_run(self, worker, restart_reason::cancelled);
  }
  if (!tickets.empty())
    log::actors().debug("worker_pool {}: cancelled {} jobs", st.skill->name,
                        tickets.size());
  dispatch(self);
}

// -- succession ---------------------------------------------------------------

// The pool's last will, run when it ends for any reason: jobs that never
// started (queued, or still unread in the mailbox) and started jobs that may
// run again go to the estate for the pool's successor; started jobs that may
// not run again are answered now.
void bequeath(pool_ptr self) {
  auto& st = self->state;
  auto reason = self->fail_state();
  std::vector<bequeathed_job> heirs;
  auto leave = [&](uint64_t ticket) {
    auto& pj = st.jobs[ticket];
    heirs.push_back(bequeathed_job{std::move(pj.j), std::move(pj.sink),
                                   pj.arrived, pj.deadline, pj.attempts});
    st.jobs.erase(ticket);
    // The successor counts it again when it takes it over.
    if (st.cfg.node_limit)
      st.cfg.node_limit->release();
    st.load.remove();
  };
  // Queued jobs in the order they would have run.
  auto is_queued = [&](uint64_t ticket) {
    auto i = st.jobs.find(ticket);
    return i != st.jobs.end() && i->second.worker == 0;
  };
  job_queue::entry next;
  while (st.queue.pop(is_queued, next))
    leave(next.ticket);
  std::vector<uint64_t> left;
  for (auto& [ticket, pj] : st.jobs)
    left.push_back(ticket);
  auto what = supervision::is_normal_exit(reason)
                ? std::string{"was stopped"}
                : "crashed (" + describe(reason) + ")";
  for (auto ticket : left) {
    auto& pj = st.jobs[ticket];
    if (pj.worker == 0
        || (st.skill->idempotent
            && pj.attempts < attempts_allowed(*st.skill, pj.j))) {
      leave(ticket);
      continue;
    }
    fail(self, ticket,
         supervision::is_normal_exit(reason) ? job_status::cancelled
                                             : job_status::skill_error,
         "the pool of skill '" + st.skill->name + "' " + what
           + " while the job ran; not retried: "
           + (st.skill->idempotent ? "no attempts left"
                                   : "skill is not idempotent"));
  }
  base::salvage_mailbox(self, [&](caf::mailbox_element& x) {
    auto& msg = x.content();
    if (!msg.match_elements<job, result_sink_actor>())
      return false;
    auto now = self->clock().now();
    auto j = msg.move_if_unshared<job>(0);
    auto timeout = j.options.timeout > caf::timespan{0}
                     ? j.options.timeout
                     : st.cfg.default_timeout;
    auto deadline = now + std::min(timeout, max_job_timeout);
    heirs.push_back(bequeathed_job{
      std::move(j), msg.get_as<result_sink_actor>(1), now, deadline, 0});
    return true;
  });
  if (heirs.empty())
    return;
  log::actors().warn("worker_pool {}: ended ({}) holding {} jobs; leaving "
                     "them to its successor",
                     st.skill->name, describe(reason), heirs.size());
  if (st.cfg.estate) {
    st.cfg.estate->bequeath(std::move(heirs), reason);
    return;
  }
  // Nobody to inherit: a throwaway estate answers them right away.
  job_estate{st.skill->name, st.cfg.node_name, st.cfg.metrics}.bequeath(
    std::move(heirs), reason);
}

// Takes over the jobs the previous incarnation of this pool left behind,
// keeping their arrival times (so their priority aging), deadlines and
// attempts.
void adopt(pool_ptr self) {
  auto& st = self->state;
  auto jobs = st.cfg.estate->inherit();
  if (jobs.empty())
    return;
  log::actors().info("worker_pool {}: took over {} jobs from its predecessor",
                     st.skill->name, jobs.size());
  for (auto& x : jobs) {
    if (in_pool(self)) {
      // No queue: they run like new jobs.
      self->send(self, std::move(x.j), std::move(x.sink));
      continue;
    }
    if (st.cfg.node_limit)
      st.cfg.node_limit->force_acquire();
    st.load.add();
    auto ticket = st.next_ticket++;
    auto place = st.queue.make_entry(ticket, x.j.options.priority, x.arrived);
    st.deadlines.push(x.deadline, ticket);
    st.jobs.emplace(ticket, pending_job{std::move(x.j),
                                        std::move(x.sink),
                                        x.arrived,
                                        x.deadline,
                                        {},
                                        place,
                                        x.attempts,
                                        0});
    st.queue.push(place);
    ++st.queued;
  }
  if (!st.deadlines.empty())
    schedule_tick(self, st.deadlines.next());
  dispatch(self);
}

skill_info status_of(pool_ptr self) {
  auto& st = self->state;
  skill_info info;
  info.name = st.skill->name;
  info.version = st.skill->version;
  info.description = st.skill->description;
  info.kind = skills::kind_name(*st.skill);
  info.blocking = st.skill->kind == skills::skill_kind::process
                  || (!skills::is_async(*st.skill)
                      && st.skill->mode == skills::skill_mode::blocking);
  info.idempotent = st.skill->idempotent;
  if (in_pool(self)) {
    // An in-pool skill's pool is its own single worker.
    info.workers = 1;
    info.idle = 1;
    info.min_workers = 1;
    info.max_workers = 1;
  } else {
    info.workers = static_cast<uint32_t>(st.workers.size());
    info.busy = st.busy;
    info.idle = static_cast<uint32_t>(st.idle.size());
    info.starting = st.starting;
    info.min_workers = st.cfg.min_workers;
    info.max_workers = st.cfg.max_workers;
  }
  info.queued = st.queued;
  info.queue_capacity = st.cfg.queue_capacity;
  info.in_flight = st.jobs.size();
  info.worker_restarts = st.restarts;
  return info;
}

} // namespace

worker_pool_config make_pool_config(const skills::skill_definition& skill,
                                    const config::node_config& node) {
  worker_pool_config pc;
  auto fixed = skill.workers > 0 ? skill.workers : node.workers;
  if (skill.min_workers || skill.max_workers > 0) {
    // Elastic: from the minimum (1 unless set) up to the maximum.
    pc.min_workers = skill.min_workers.value_or(1);
    pc.max_workers = skill.max_workers > 0 ? skill.max_workers
                                           : std::max(fixed, pc.min_workers);
  } else {
    pc.min_workers = pc.max_workers = fixed;
  }
  // A preloaded skill starts at its full size and stays there.
  if (skill.start_full)
    pc.min_workers = pc.max_workers;
  pc.min_workers = std::min(pc.min_workers, pc.max_workers);
  pc.queue_capacity = skill.queue_capacity > 0 ? skill.queue_capacity
                                               : node.queue_capacity;
  pc.default_timeout = skill.timeout > caf::timespan{0} ? skill.timeout
                                                        : node.default_timeout;
  // Unset: worker_pool_config's defaults.
  if (skill.idle_timeout > caf::timespan{0})
    pc.idle_timeout = skill.idle_timeout;
  if (skill.priority_aging > caf::timespan{0})
    pc.priority_aging = skill.priority_aging;
  return pc;
}

worker_pool_actor::behavior_type
worker_pool(worker_pool_actor::stateful_pointer<worker_pool_state> self,
            std::shared_ptr<const skills::skill_definition> skill,
            worker_pool_config cfg) {
  auto& st = self->state;
  st.skill = std::move(skill);
  st.cfg = std::move(cfg);
  if (st.cfg.load)
    st.load = base::load_share{st.cfg.load->counter_for(st.skill->name)};
  st.cfg.max_workers = std::max(st.cfg.max_workers, 1u);
  st.cfg.min_workers = std::min(st.cfg.min_workers, st.cfg.max_workers);
  st.queue = job_queue{st.cfg.priority_aging};
  if (st.cfg.metrics) {
    st.counters = st.cfg.metrics->for_skill(st.skill->name);
    st.has_metrics = true;
  }
  if (st.cfg.pool_metrics) {
    st.series = st.cfg.pool_metrics->for_skill(
      st.skill->name, st.skill->kind == skills::skill_kind::process);
    st.has_series = true;
  }
  st.workers.reserve(st.cfg.max_workers);
  scale_up(self);
  publish_load(self);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto i = self->state.worker_ids.find(dm.source);
    if (i != self->state.worker_ids.end())
      on_worker_lost(self, i->second, restart_reason::crashed,
                     describe(dm.reason),
                     self->state.workers[i->second].ticket);
  });
  // Worker deaths arrive as down messages; any other exit stops the pool
  // (and, through the links, its workers).
  self->set_exit_handler([self](caf::exit_msg& em) {
    if (self->state.worker_ids.count(em.source) == 0)
      self->quit(em.reason);
  });
  self->set_default_handler(caf::drop);
  if (st.cfg.estate)
    adopt(self);
  st.will = [self] {
    bequeath(self);
  };
  return {
    [self](job& j, result_sink_actor& sink) {
      on_job(self, j, sink);
    },
    [self](atom::done, uint64_t id, uint64_t ticket, job_result& r) {
      on_done(self, id, ticket, r);
    },
    [self](atom::lost, uint64_t id, uint64_t ticket, restart_reason why,
           const std::string& reason) {
      // Reports of workers the pool let go already are stale; a worker
      // still in the pool is gone whatever job it names.
      auto i = self->state.workers.find(id);
      if (i != self->state.workers.end())
        on_worker_lost(self, id, why, reason, ticket);
    },
    [self](atom::ready, uint64_t id) {
      on_ready(self, id);
    },
    [self](atom::cancel, const std::vector<uint64_t>& ids,
           const result_sink_actor& sink) {
      on_cancel(self, ids, sink);
    },
    [self](atom::tick) {
      on_tick(self);
    },
    [self](atom::status) {
      return status_of(self);
    },
  };
}

} // namespace troupe::pool
