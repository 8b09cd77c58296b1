#include "actors/worker_pool.hpp"

#include "actors/worker.hpp"
#include "config/logging.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <unordered_set>

namespace troupe {

namespace {

using pool_ptr = worker_pool_actor::stateful_pointer<worker_pool_state>;
using pending_job = worker_pool_state::pending_job;
using worker_slot = worker_pool_state::worker_slot;
using time_point = worker_pool_state::time_point;

constexpr auto default_idle_timeout = std::chrono::seconds(60);
constexpr auto default_priority_aging = std::chrono::seconds(1);

std::string millis(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + " ms";
}

bool in_pool(pool_ptr self) {
  return self->state.skill->kind == skill_kind::native
         && self->state.skill->mode == skill_mode::in_pool;
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
  auto& st = self->state;
  if (when >= st.tick_due)
    return;
  st.tick_due = when;
  auto now = self->clock().now();
  auto delay = when > now ? when - now : caf::timespan{0};
  self->delayed_send(self, delay, atom::tick::value);
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

void spawn_worker(pool_ptr self) {
  auto& st = self->state;
  auto id = st.next_worker++;
  worker_slot w;
  if (st.skill->mode == skill_mode::blocking) {
    // A thread of the pool's own: blocking code never touches the
    // scheduler, and the pool's size bounds the skill's threads.
    auto me = caf::actor_cast<worker_pool_actor>(self);
    native_worker::callbacks cb;
    cb.done = [me, id](uint64_t ticket, job_result&& r) {
      caf::anon_send(me, atom::done::value, id, ticket, std::move(r));
    };
    cb.crashed = [me, id](uint64_t ticket, std::string reason) {
      caf::anon_send(me, atom::lost::value, id, ticket, std::move(reason));
    };
    try {
      w.thread = std::make_unique<native_worker>(st.skill, std::move(cb));
    } catch (const std::exception& e) {
      log::actors().error("worker_pool {}: cannot start a worker thread: {}",
                          st.skill->name, e.what());
      return;
    }
  } else {
    // Linked so that workers end with their pool; monitored so that a crash
    // becomes a down message with the job still identifiable.
    auto me = caf::actor_cast<worker_pool_actor>(self);
    w.actor = self->spawn<caf::linked + caf::monitored>(worker, me, st.skill,
                                                        id);
    st.worker_ids.emplace(w.actor.address(), id);
  }
  auto& slot = st.workers.emplace(id, std::move(w)).first->second;
  make_idle(self, id, slot);
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
  // A native_worker's thread ends when the object goes away.
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
  auto target = std::max<size_t>(st.cfg.min_workers,
                                 std::min<size_t>(st.cfg.max_workers,
                                                  total + want));
  for (auto n = total; n < target; ++n)
    spawn_worker(self);
}

// -- running jobs -------------------------------------------------------------

caf::timespan remaining(pool_ptr self, const pending_job& pj) {
  auto left = pj.deadline - self->clock().now();
  return left > caf::timespan{0} ? left : caf::timespan{0};
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
  if (w.thread)
    w.thread->run(ticket, pj.j.input,
                  std::chrono::steady_clock::now()
                    + std::chrono::duration_cast<
                      std::chrono::steady_clock::duration>(left));
  else
    self->send(w.actor, atom::run::value, ticket, pj.j.input, left);
}

void on_crashed_attempt(pool_ptr self, uint64_t ticket,
                        const std::string& reason);

// Runs a job of an in-pool skill right here: such skills are short by
// contract, and skipping the hand-off to a worker and back saves two
// messages per job. The job never enters the tables: nothing can happen to
// it before it is answered.
void run_inline(pool_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  auto max_attempts = j.options.max_attempts > 0
                        ? std::min(j.options.max_attempts,
                                   st.skill->max_attempts)
                        : st.skill->max_attempts;
  auto arrived = self->clock().now();
  job_result r;
  uint32_t attempts = 0;
  for (;;) {
    ++attempts;
    try {
      r = run_skill(*st.skill, j.input);
      break;
    } catch (const worker_crash&) {
      ++st.restarts;
      if (!st.skill->idempotent || attempts >= max_attempts) {
        r = job_result{};
        r.status = job_status::skill_error;
        r.error = "the worker running skill '" + st.skill->name
                  + "' crashed mid-job (worker crashed); attempts: "
                  + std::to_string(attempts)
                  + (st.skill->idempotent ? ""
                                          : ", not retried: skill is not "
                                            "idempotent");
        break;
      }
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

// The job running on worker `id` was answered without it (deadline,
// cancellation): stop the work where possible. Threads and scheduled
// workers stay busy until their code returns (their result is dropped), so
// a skill never has more threads than workers; a process worker kills its
// child and is replaced.
void abandon_run(pool_ptr self, uint64_t id, restart_reason why) {
  auto& st = self->state;
  auto i = st.workers.find(id);
  if (i == st.workers.end())
    return;
  auto& w = i->second;
  w.answered = true;
  if (w.thread) {
    w.thread->cancel(w.ticket);
    return;
  }
  self->send(w.actor, atom::cancel::value, w.ticket);
  if (st.skill->kind == skill_kind::process) {
    take_worker(self, id);
    ++st.restarts;
    if (st.has_series)
      st.series.restarted(why);
  }
}

// A worker finished its job (or, after `answered`, the job that was taken
// from it): it takes the next one.
void on_done(pool_ptr self, uint64_t id, uint64_t ticket, job_result& r) {
  auto& st = self->state;
  auto i = st.workers.find(id);
  if (i == st.workers.end() || i->second.ticket != ticket)
    return; // late result of a worker that is gone
  auto& w = i->second;
  auto answered = w.answered;
  w.ticket = 0;
  w.answered = false;
  ++w.jobs_done;
  --st.busy;
  if (!answered)
    finish(self, ticket, std::move(r));
  make_idle(self, id, w);
  dispatch(self);
}

// A process worker answered its first ping: it takes jobs from now on.
void on_ready(pool_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.workers.find(id);
  if (i == st.workers.end() || i->second.ready)
    return;
  i->second.ready = true;
  --st.starting;
  st.start_failures = 0;
  make_idle(self, id, i->second);
  dispatch(self);
}

// -- failures -----------------------------------------------------------------

// The attempt running `ticket` died with its worker: requeue the job at its
// old place if its skill is idempotent and attempts remain, else fail it.
void on_crashed_attempt(pool_ptr self, uint64_t ticket,
                        const std::string& reason) {
  auto& st = self->state;
  auto j = st.jobs.find(ticket);
  if (j == st.jobs.end())
    return;
  auto& pj = j->second;
  pj.worker = 0;
  auto max_attempts = pj.j.options.max_attempts > 0 ? std::min(
                        pj.j.options.max_attempts, st.skill->max_attempts)
                                                    : st.skill->max_attempts;
  if (st.skill->idempotent && pj.attempts < max_attempts) {
    st.queue.push(pj.place);
    ++st.queued;
  } else {
    fail(self, ticket, job_status::skill_error,
         "the worker running skill '" + st.skill->name + "' crashed mid-job ("
           + reason + "); attempts: " + std::to_string(pj.attempts)
           + (st.skill->idempotent ? ""
                                   : ", not retried: skill is not "
                                     "idempotent"));
  }
}

// A worker died (its actor went down, its thread reported a crash).
void on_worker_lost(pool_ptr self, uint64_t id, const std::string& reason) {
  auto& st = self->state;
  auto w = take_worker(self, id);
  ++st.restarts;
  log::actors().warn("worker_pool {}: worker {} died ({}), replacing it",
                     st.skill->name, id, reason);
  if (w.ticket != 0 && !w.answered)
    on_crashed_attempt(self, w.ticket, reason);
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
  if (st.cfg.node_limit && !st.cfg.node_limit->try_acquire()) {
    refuse(self, j, sink, job_status::overloaded,
           "node " + st.cfg.node_name + " holds its maximum of "
             + std::to_string(st.cfg.node_limit->max())
             + " jobs in flight (max-in-flight); retry later");
    return;
  }
  auto now = self->clock().now();
  auto timeout = j.options.timeout > caf::timespan{0} ? j.options.timeout
                                                      : st.cfg.default_timeout;
  timeout = std::min(timeout, max_job_timeout);
  auto ticket = st.next_ticket++;
  auto deadline = now + timeout;
  auto place = st.queue.make_entry(ticket, j.options.priority, now);
  st.jobs.emplace(ticket, pending_job{std::move(j), std::move(sink), now,
                                      deadline, {}, place, 0, 0});
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

skill_info status_of(pool_ptr self) {
  auto& st = self->state;
  skill_info info;
  info.name = st.skill->name;
  info.version = st.skill->version;
  info.description = st.skill->description;
  info.kind = kind_name(*st.skill);
  info.blocking = st.skill->kind == skill_kind::process
                  || st.skill->mode == skill_mode::blocking;
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

worker_pool_config make_pool_config(const skill_definition& skill,
                                    const node_config& node) {
  worker_pool_config pc;
  auto fixed = skill.workers > 0 ? skill.workers : node.workers;
  pc.max_workers = skill.max_workers > 0 ? skill.max_workers : fixed;
  pc.min_workers = skill.min_workers > 0 ? skill.min_workers
                                         : std::min(fixed, pc.max_workers);
  // A preloaded skill starts at its full size and stays there.
  if (skill.start_full)
    pc.min_workers = pc.max_workers;
  pc.min_workers = std::min(pc.min_workers, pc.max_workers);
  pc.queue_capacity = skill.queue_capacity > 0 ? skill.queue_capacity
                                               : node.queue_capacity;
  pc.default_timeout = skill.timeout > caf::timespan{0} ? skill.timeout
                                                        : node.default_timeout;
  pc.idle_timeout = skill.idle_timeout > caf::timespan{0}
                      ? skill.idle_timeout
                      : caf::timespan{default_idle_timeout};
  pc.priority_aging = skill.priority_aging > caf::timespan{0}
                        ? skill.priority_aging
                        : caf::timespan{default_priority_aging};
  return pc;
}

worker_pool_actor::behavior_type
worker_pool(worker_pool_actor::stateful_pointer<worker_pool_state> self,
            std::shared_ptr<const skill_definition> skill,
            worker_pool_config cfg) {
  auto& st = self->state;
  st.skill = std::move(skill);
  st.cfg = std::move(cfg);
  st.cfg.max_workers = std::max(st.cfg.max_workers, 1u);
  st.cfg.min_workers = std::min(st.cfg.min_workers, st.cfg.max_workers);
  st.queue = job_queue{st.cfg.priority_aging};
  if (st.cfg.metrics) {
    st.counters = st.cfg.metrics->for_skill(st.skill->name);
    st.has_metrics = true;
  }
  if (st.cfg.pool_metrics) {
    st.series = st.cfg.pool_metrics->for_skill(
      st.skill->name, st.skill->kind == skill_kind::process);
    st.has_series = true;
  }
  st.workers.reserve(st.cfg.max_workers);
  scale_up(self);
  publish_load(self);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto i = self->state.worker_ids.find(dm.source);
    if (i != self->state.worker_ids.end())
      on_worker_lost(self, i->second, describe(dm.reason));
  });
  // Worker deaths arrive as down messages; any other exit stops the pool
  // (and, through the links, its workers).
  self->set_exit_handler([self](caf::exit_msg& em) {
    if (self->state.worker_ids.count(em.source) == 0)
      self->quit(em.reason);
  });
  self->set_default_handler(caf::drop);
  return {
    [self](job& j, result_sink_actor& sink) {
      on_job(self, j, sink);
    },
    [self](atom::done, uint64_t id, uint64_t ticket, job_result& r) {
      on_done(self, id, ticket, r);
    },
    [self](atom::lost, uint64_t id, uint64_t ticket,
           const std::string& reason) {
      auto i = self->state.workers.find(id);
      if (i != self->state.workers.end() && i->second.ticket == ticket)
        on_worker_lost(self, id, reason);
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

} // namespace troupe
