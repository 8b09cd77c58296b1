#include "actors/pool/worker_pool.hpp"

#include "actors/base/mailbox_salvage.hpp"
#include "actors/base/self_tick.hpp"
#include "actors/log/logging.hpp"
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
using pending_job = pool_schedule::pending_job;
using time_point = worker_pool_state::time_point;

std::string millis(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + " ms";
}

// In-pool skills have no workers: the pool runs their jobs as they come.
bool in_pool(pool_ptr self) {
  return self->state.backend == nullptr;
}

void publish_load(pool_ptr self) {
  auto& st = self->state;
  if (!st.has_series)
    return;
  if (in_pool(self)) {
    st.series.workers(0, 1, 0);
    return;
  }
  auto& sc = st.schedule;
  st.series.workers(sc.busy(), static_cast<uint32_t>(sc.idle()), sc.starting());
  st.series.queued(sc.queued());
}

// A no-op for max(): arm_self_tick keeps the earlier tick.
void schedule_tick(pool_ptr self, time_point when) {
  base::arm_self_tick(self, self->state.tick_due, when);
}

// -- answering ----------------------------------------------------------------

// Sends the result to the job's submitter and forgets the job.
void finish(pool_ptr self, uint64_t ticket, job_result r) {
  auto& st = self->state;
  st.schedule.take(ticket, [&](pending_job& pj) {
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
  });
}

void fail(pool_ptr self, uint64_t ticket, job_status status, std::string error,
          bool worker_lost = false) {
  job_result r;
  r.status = status;
  r.error = std::move(error);
  r.worker_lost = worker_lost;
  finish(self, ticket, std::move(r));
}

// The time a job was allowed, for messages: its timeout as the node took it
// in (or as its attempt was given), else what it had left on arrival here.
std::string allowed(const pending_job& pj) {
  return millis(pj.j.options.timeout > caf::timespan{0}
                  ? pj.j.options.timeout
                  : pj.deadline - pj.arrived);
}

// Answers a queued job whose deadline passed before a worker took it.
void fail_waited_too_long(pool_ptr self, uint64_t ticket,
                          const pending_job& pj) {
  fail(self, ticket, job_status::timeout,
       "job waited in the queue of skill '" + self->state.skill->name
         + "' past its deadline of " + allowed(pj));
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

// The error of a job whose worker died under it, with no attempt left here.
// A job allowed one attempt here has its re-runs owned elsewhere (its
// breaker), which says how many ran.
std::string crash_error(const skills::skill_definition& skill,
                        const std::string& reason, uint32_t attempts,
                        uint32_t allowed) {
  auto out = "the worker running skill '" + skill.name + "' died mid-job ("
             + reason + ")";
  if (skill.idempotent && allowed <= 1)
    return out;
  return out + "; attempts: " + std::to_string(attempts)
         + (skill.idempotent ? "" : ", not retried: skill is not idempotent");
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

// -- workers ------------------------------------------------------------------

// Starts one worker; false when the system refused (no thread to give).
bool start_worker(pool_ptr self) {
  auto& st = self->state;
  auto id = st.schedule.next_worker_id();
  try {
    st.backend->start(id);
  } catch (const std::exception& e) {
    log::actors().error("worker_pool {}: cannot start a worker: {}",
                        st.skill->name, e.what());
    return false;
  }
  schedule_tick(
    self, st.schedule.add_worker(id, !st.backend->traits().announces_ready,
                                 self->clock().now()));
  return true;
}

// Starts the workers the schedule asks for.
void scale_up(pool_ptr self) {
  auto& st = self->state;
  if (in_pool(self))
    return;
  auto retry_at = time_point::max();
  auto n = st.schedule.workers_to_start(self->clock().now(), retry_at);
  schedule_tick(self, retry_at);
  for (; n > 0; --n)
    if (!start_worker(self))
      break;
}

// Hands queued jobs to idle workers, highest priority first, and grows the
// pool for the jobs left waiting.
void dispatch(pool_ptr self) {
  auto& st = self->state;
  scale_up(self);
  auto now = self->clock().now();
  pool_schedule::assignment next;
  while (st.schedule.next_assignment(now, next)) {
    auto& pj = *st.schedule.find(next.ticket);
    if (next.expired) {
      fail_waited_too_long(self, next.ticket, pj);
      continue;
    }
    st.backend->run(next.worker, next.ticket, pj.j,
                    pool_schedule::remaining(pj, now), pj.attempts);
  }
  publish_load(self);
}

// The job running on worker `id` was answered without it (deadline,
// cancellation): the backend stops the work where it can; a worker it
// killed is replaced.
void abandon_run(pool_ptr self, uint64_t id, restart_reason why) {
  auto& st = self->state;
  auto* w = st.schedule.find_worker(id);
  if (w == nullptr)
    return;
  w->answered = true;
  switch (st.backend->abandon(id, w->ticket)) {
    case abandoned::free:
      schedule_tick(self, st.schedule.release(id, self->clock().now()));
      break;
    case abandoned::busy:
      break;
    case abandoned::killed:
      st.schedule.remove_worker(id);
      st.backend->drop(id);
      count_restart(self, why);
      log::actors().debug("worker_pool {}: killed worker {} ({})",
                          st.skill->name, id, to_string(why));
      break;
  }
}

// A worker finished its job (or, after `answered`, the job that was taken
// from it): it takes the next one, unless it is due for recycling.
void on_done(pool_ptr self, uint64_t id, uint64_t ticket, job_result& r) {
  auto& st = self->state;
  auto answered = false;
  auto recycle = false;
  auto retire_at = time_point::max();
  if (!st.schedule.end_run(id, ticket, self->clock().now(), answered, recycle,
                           retire_at))
    return; // late result of a worker that is gone
  if (!answered)
    finish(self, ticket, std::move(r));
  if (recycle) {
    // A fresh worker replaces it as soon as jobs need one.
    st.backend->retire(id);
    count_restart(self, restart_reason::recycled);
  } else {
    schedule_tick(self, retire_at);
  }
  dispatch(self);
}

// A worker that announces itself is ready: it takes jobs from now on. It
// has not proven itself yet: one that goes away before it finished a job
// counts as a failed start.
void on_ready(pool_ptr self, uint64_t id) {
  auto& st = self->state;
  auto retire_at = time_point::max();
  if (!st.schedule.worker_ready(id, self->clock().now(), retire_at))
    return;
  schedule_tick(self, retire_at);
  dispatch(self);
}

// -- failures -----------------------------------------------------------------

std::string start_failure_error(pool_ptr self) {
  auto& sc = self->state.schedule;
  return "skill '" + self->state.skill->name
         + "' cannot start its worker processes ("
         + std::to_string(sc.start_failures())
         + " attempts in a row failed): " + sc.start_error();
}

// Answers every queued job when no worker can be started.
void fail_queued(pool_ptr self, job_status status, const std::string& why) {
  std::vector<uint64_t> tickets;
  for (auto& [ticket, pj] : self->state.schedule.jobs())
    if (pj.worker == 0)
      tickets.push_back(ticket);
  for (auto ticket : tickets)
    fail(self, ticket, status, why);
}

void on_start_failed(pool_ptr self, const std::string& reason) {
  auto& sc = self->state.schedule;
  schedule_tick(self, sc.start_failed(reason, self->clock().now()));
  if (sc.cannot_start())
    fail_queued(self, job_status::skill_error, start_failure_error(self));
}

// A worker is gone (its actor went down, its thread reported a crash, its
// process ended or was found unhealthy). `taken` is the job it says it was
// running when it went: if it had taken its job, the attempt died with it
// (the job runs again while its skill is idempotent and attempts remain,
// else it fails); if not, the job goes back to the queue whatever its
// skill.
void on_worker_lost(pool_ptr self, uint64_t id, restart_reason why,
                    const std::string& reason, uint64_t taken) {
  auto& st = self->state;
  auto w = st.schedule.remove_worker(id);
  st.backend->drop(id);
  count_restart(self, why);
  // The line is about the job the worker ran, if it ran one.
  auto* running = w.ticket != 0 ? st.schedule.find(w.ticket) : nullptr;
  std::optional<log::job_scope> about;
  if (running != nullptr)
    about.emplace(running->j.options.trace);
  log::actors().warn("worker_pool {}: worker {} is gone ({}: {}), replacing "
                     "it",
                     st.skill->name, id, to_string(why), reason);
  about.reset();
  if (w.ticket != 0 && !w.answered
      && st.schedule.lost_attempt(w.ticket, taken == w.ticket)
           == pool_schedule::lost_outcome::failed)
    fail(self, w.ticket, job_status::skill_error,
         crash_error(*st.skill, reason, running->attempts,
                     st.schedule.attempts_allowed(running->j)),
         true);
  // Last, so that a job put back in the queue above is answered too when no
  // worker can be started.
  if (why == restart_reason::start_failed || st.schedule.lost_start(w))
    on_start_failed(self, reason);
  dispatch(self);
}

// Runs a job of an in-pool skill right here: such skills are short by
// contract, and skipping the hand-off to a worker and back saves two
// messages per job. The job never enters the schedule: nothing can happen
// to it before it is answered.
void run_inline(pool_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  auto max_attempts = st.schedule.attempts_allowed(j);
  // The job's whole time here is the time its attempts ran (it never
  // waits): measured by `run_skill`, so the pool reads no clock itself.
  caf::timespan spent{0};
  job_result r;
  uint32_t attempts = 0;
  for (;;) {
    ++attempts;
    auto run = skills::run_skill(*st.skill, j.input);
    spent += run.result.run_time;
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
      r.error = crash_error(*st.skill, reason, attempts, max_attempts);
      r.worker_lost = true;
      break;
    }
  }
  r.id = j.id;
  r.skill = std::move(j.skill);
  r.node = st.cfg.node_name;
  r.attempts = attempts;
  if (st.has_metrics)
    st.counters.record(r.status, spent);
  if (st.has_series)
    st.series.ran(caf::timespan{0}, r.run_time);
  self->send(sink, std::move(r));
}

// -- time ---------------------------------------------------------------------

void expire(pool_ptr self, uint64_t ticket) {
  auto& st = self->state;
  auto& pj = *st.schedule.find(ticket);
  if (pj.worker == 0) {
    fail_waited_too_long(self, ticket, pj);
    return;
  }
  auto id = pj.worker;
  fail(self, ticket, job_status::timeout,
       "skill '" + st.skill->name + "' did not finish within " + allowed(pj));
  abandon_run(self, id, restart_reason::timeout);
}

void on_tick(pool_ptr self) {
  auto& st = self->state;
  st.tick_due = time_point::max();
  auto now = self->clock().now();
  st.schedule.pop_due(now, [&](uint64_t ticket) {
    expire(self, ticket);
  });
  st.schedule.compact();
  auto next = st.schedule.retire_idle(now, [&](uint64_t id) {
    st.backend->retire(id);
  });
  schedule_tick(self, std::min(next, st.schedule.next_deadline()));
  dispatch(self);
}

// -- requests -----------------------------------------------------------------

void on_job(pool_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  if (in_pool(self)) {
    run_inline(self, j, sink);
    return;
  }
  if (st.schedule.full()) {
    refuse(self, j, sink, job_status::overloaded,
           "skill '" + st.skill->name + "' queue is full ("
             + std::to_string(st.cfg.queue_capacity) + " jobs); retry later");
    return;
  }
  auto now = self->clock().now();
  // While no worker process can be started, jobs are answered at once; the
  // pool keeps trying to start one in the background.
  if (st.schedule.cannot_start()) {
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
  auto deadline = st.schedule.deadline_for(j, now);
  st.schedule.push(std::move(j), std::move(sink), now, deadline);
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
  for (auto& [ticket, pj] : st.schedule.jobs())
    if (wanted.count(pj.j.id) > 0 && pj.sink.address() == addr)
      tickets.push_back(ticket);
  for (auto ticket : tickets) {
    auto worker = st.schedule.find(ticket)->worker;
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
    st.schedule.take(ticket, [&](pending_job& pj) {
      heirs.push_back(bequeathed_job{std::move(pj.j), std::move(pj.sink),
                                     pj.arrived, pj.deadline, pj.attempts});
    });
    // The successor counts it again when it takes it over.
    if (st.cfg.node_limit)
      st.cfg.node_limit->release();
    st.load.remove();
  };
  // Queued jobs in the order they would have run.
  uint64_t next = 0;
  while (st.schedule.next_queued(next))
    leave(next);
  std::vector<uint64_t> left;
  for (auto& [ticket, pj] : st.schedule.jobs())
    left.push_back(ticket);
  auto what = supervision::is_normal_exit(reason)
                ? std::string{"was stopped"}
                : "crashed (" + describe(reason) + ")";
  for (auto ticket : left) {
    auto& pj = *st.schedule.find(ticket);
    if (pj.worker == 0 || st.schedule.may_retry(pj)) {
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
    auto deadline = st.schedule.deadline_for(j, now);
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
    st.schedule.push(std::move(x.j), std::move(x.sink), x.arrived, x.deadline,
                     x.attempts);
  }
  schedule_tick(self, st.schedule.next_deadline());
  dispatch(self);
}

skill_info status_of(pool_ptr self) {
  auto& st = self->state;
  auto& sc = st.schedule;
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
    info.workers = static_cast<uint32_t>(sc.workers());
    info.busy = sc.busy();
    info.idle = static_cast<uint32_t>(sc.idle());
    info.starting = sc.starting();
    info.min_workers = sc.limits().min_workers;
    info.max_workers = sc.limits().max_workers;
  }
  info.queued = sc.queued();
  info.queue_capacity = st.cfg.queue_capacity;
  info.in_flight = sc.jobs().size();
  info.worker_restarts = st.restarts;
  return info;
}

// The schedule's bounds, from the pool's config, its skill and its kind of
// workers.
schedule_limits limits_of(const worker_pool_state& st) {
  schedule_limits limits;
  limits.min_workers = st.cfg.min_workers;
  limits.max_workers = st.cfg.max_workers;
  limits.queue_capacity = st.cfg.queue_capacity;
  limits.default_timeout = st.cfg.default_timeout;
  limits.idle_timeout = st.cfg.idle_timeout;
  limits.priority_aging = st.cfg.priority_aging;
  limits.idempotent = st.skill->idempotent;
  limits.max_attempts = st.skill->max_attempts;
  if (st.backend) {
    limits.first_job_proves_start = st.backend->traits().first_job_proves_start;
    limits.recycle_after = st.backend->traits().recycle_after;
  }
  return limits;
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
  if (st.cfg.metrics) {
    st.counters = st.cfg.metrics->for_skill(st.skill->name);
    st.has_metrics = true;
  }
  if (st.cfg.pool_metrics) {
    st.series = st.cfg.pool_metrics->for_skill(
      st.skill->name, st.skill->kind == skills::skill_kind::process);
    st.has_series = true;
  }
  st.backend = make_worker_backend(
    self, caf::actor_cast<worker_pool_actor>(self), st.skill);
  st.schedule = pool_schedule{limits_of(st)};
  scale_up(self);
  publish_load(self);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    auto id = st.backend ? st.backend->worker_of(dm.source) : 0;
    if (id != 0)
      on_worker_lost(self, id, restart_reason::crashed, describe(dm.reason),
                     st.schedule.find_worker(id)->ticket);
  });
  // Worker deaths arrive as down messages; any other exit stops the pool
  // (and, through the links, its workers).
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    if (!st.backend || st.backend->worker_of(em.source) == 0)
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
      if (self->state.schedule.find_worker(id) != nullptr)
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
