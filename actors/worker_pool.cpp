#include "actors/worker_pool.hpp"

#include "actors/mailbox_salvage.hpp"
#include "actors/restart_policy.hpp"
#include "actors/worker.hpp"
#include "config/logging.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>

namespace troupe {

namespace {

using pool_ptr = worker_pool_actor::stateful_pointer<worker_pool_state>;
using pending_job = worker_pool_state::pending_job;

std::string millis(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + " ms";
}

// The deadline of a job arriving now: its own timeout or the pool default.
worker_pool_state::time_point deadline_of(pool_ptr self, const job& j,
                                          worker_pool_state::time_point now) {
  auto timeout = j.options.timeout > caf::timespan{0}
                   ? j.options.timeout
                   : self->state.cfg.default_timeout;
  return now + std::min(timeout, max_job_timeout);
}

uint32_t max_attempts_of(pool_ptr self, const pending_job& pj) {
  auto limit = self->state.skill->max_attempts;
  return pj.j.options.max_attempts > 0
           ? std::min(pj.j.options.max_attempts, limit)
           : limit;
}

void count_restart(pool_ptr self) {
  ++self->state.restarts;
  if (self->state.cfg.on_worker_restart)
    self->state.cfg.on_worker_restart();
}

void spawn_worker(pool_ptr self) {
  auto& st = self->state;
  auto me = caf::actor_cast<worker_pool_actor>(self);
  worker_actor w;
  // Linked so that workers end with their pool; monitored so that a crash
  // becomes a down message with the job still identifiable.
  if (st.skill->mode == skill_mode::blocking)
    w = self->spawn<caf::detached + caf::linked + caf::monitored>(worker, me,
                                                                  st.skill);
  else
    w = self->spawn<caf::linked + caf::monitored>(worker, me, st.skill);
  st.workers.emplace(w.address(), 0);
  st.idle.push_back(std::move(w));
}

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
  if (pj.started != worker_pool_state::time_point{})
    r.queue_time = pj.started - pj.arrived;
  else
    r.queue_time = now - pj.arrived;
  if (st.has_metrics)
    st.counters.record(r.status, now - pj.arrived);
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

void schedule_tick(pool_ptr self, worker_pool_state::time_point when) {
  auto& st = self->state;
  if (when >= st.tick_due)
    return;
  st.tick_due = when;
  auto now = self->clock().now();
  auto delay = when > now ? when - now : caf::timespan{0};
  self->delayed_send(self, delay, atom::tick::value);
}

void on_crashed_attempt(pool_ptr self, uint64_t ticket,
                        const std::string& reason);

// Takes the next live job off the queue, skipping tickets of jobs that
// timed out while queued; null when none is left.
std::pair<const uint64_t, pending_job>* pop_queued(pool_ptr self) {
  auto& st = self->state;
  while (!st.queue.empty()) {
    auto ticket = st.queue.front();
    st.queue.pop_front();
    auto i = st.jobs.find(ticket);
    if (i != st.jobs.end()) {
      --st.queued;
      return &*i;
    }
  }
  return nullptr;
}

// Runs queued jobs of a non-blocking skill right here: such skills are
// short by contract, and skipping the hand-off to a worker actor and back
// saves two messages per job.
void run_inline(pool_ptr self) {
  auto& st = self->state;
  while (auto* next = pop_queued(self)) {
    auto& [ticket, pj] = *next;
    pj.started = self->clock().now();
    ++pj.attempts;
    try {
      auto r = run_skill(*st.skill, pj.j.input);
      finish(self, ticket, std::move(r));
    } catch (const worker_crash&) {
      count_restart(self);
      on_crashed_attempt(self, ticket, "worker crashed");
    } catch (...) {
      // Skill code must never take the pool (and every queued job) down.
      count_restart(self);
      on_crashed_attempt(self, ticket,
                         "skill threw something that is not a "
                         "std::exception");
    }
  }
}

// Hands queued jobs to idle workers.
void dispatch(pool_ptr self) {
  auto& st = self->state;
  if (st.skill->mode == skill_mode::in_pool) {
    run_inline(self);
    return;
  }
  while (!st.idle.empty()) {
    auto* next = pop_queued(self);
    if (next == nullptr)
      break;
    auto& [ticket, pj] = *next;
    auto w = std::move(st.idle.back());
    st.idle.pop_back();
    pj.worker = w.address();
    pj.started = self->clock().now();
    ++pj.attempts;
    st.workers[pj.worker] = ticket;
    ++st.running;
    self->send(w, atom::run::value, ticket, pj.j.input);
  }
}

// Marks the worker that ran `ticket` idle again, unless it was abandoned.
void release_worker(pool_ptr self, const caf::actor_addr& addr) {
  auto& st = self->state;
  auto i = st.workers.find(addr);
  if (i == st.workers.end() || i->second == 0)
    return;
  i->second = 0;
  --st.running;
  st.idle.push_back(caf::actor_cast<worker_actor>(addr));
}

// Stops a worker still busy with a job that timed out and replaces it, so
// the pool keeps its capacity. A blocked native thread cannot be interrupted:
// the worker ends once its skill function returns and its late result is
// ignored.
void abandon_worker(pool_ptr self, const caf::actor_addr& addr) {
  auto& st = self->state;
  auto i = st.workers.find(addr);
  if (i == st.workers.end())
    return;
  if (i->second != 0)
    --st.running;
  st.workers.erase(i);
  self->demonitor(addr);
  self->unlink_from(addr);
  if (auto hdl = caf::actor_cast<caf::actor>(addr))
    self->send_exit(hdl, caf::exit_reason::user_shutdown);
  spawn_worker(self);
}

void on_tick(pool_ptr self) {
  auto& st = self->state;
  st.tick_due = worker_pool_state::time_point::max();
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.top().when <= now) {
    auto ticket = st.deadlines.top().ticket;
    st.deadlines.pop();
    auto i = st.jobs.find(ticket);
    if (i == st.jobs.end())
      continue;
    auto& pj = i->second;
    auto budget = pj.deadline - pj.arrived;
    if (pj.worker) {
      auto w = pj.worker;
      fail(self, ticket, job_status::timeout,
           "skill '" + st.skill->name + "' did not finish within "
             + millis(budget));
      abandon_worker(self, w);
    } else {
      --st.queued;
      fail(self, ticket, job_status::timeout,
           "job waited in the queue of skill '" + st.skill->name
             + "' past its deadline of " + millis(budget));
    }
  }
  // Finished jobs leave stale entries behind; rebuild when they dominate so
  // memory stays proportional to the jobs actually pending.
  if (st.deadlines.size() > 2 * st.jobs.size() + 1024) {
    decltype(st.deadlines) fresh;
    for (auto& [ticket, pj] : st.jobs)
      fresh.push({pj.deadline, ticket});
    st.deadlines.swap(fresh);
  }
  if (!st.deadlines.empty())
    schedule_tick(self, st.deadlines.top().when);
  dispatch(self);
}

void on_worker_down(pool_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto i = st.workers.find(dm.source);
  if (i == st.workers.end())
    return; // abandoned earlier
  auto ticket = i->second;
  st.workers.erase(i);
  st.idle.erase(std::remove_if(st.idle.begin(), st.idle.end(),
                               [&](const worker_actor& w) {
                                 return w.address() == dm.source;
                               }),
                st.idle.end());
  count_restart(self);
  auto reason = describe(dm.reason);
  log::actors().warn("worker_pool {}: worker {} died ({}), replacing it",
                     st.skill->name, to_string(dm.source), reason);
  spawn_worker(self);
  if (ticket != 0) {
    --st.running;
    on_crashed_attempt(self, ticket, reason);
  }
  dispatch(self);
}

// The attempt running `ticket` died with its worker: requeue the job at the
// front if its skill is idempotent and attempts remain, else fail it.
void on_crashed_attempt(pool_ptr self, uint64_t ticket,
                        const std::string& reason) {
  auto& st = self->state;
  auto j = st.jobs.find(ticket);
  if (j == st.jobs.end())
    return;
  auto& pj = j->second;
  pj.worker = caf::actor_addr{};
  if (st.skill->idempotent && pj.attempts < max_attempts_of(self, pj)) {
    st.queue.push_front(ticket);
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

// The pool's last will, run when it ends for any reason: jobs that never
// started (queued, or still unread in the mailbox) and started jobs that may
// run again go to the estate for the pool's successor; started jobs that may
// not run again are answered now.
void bequeath(pool_ptr self) {
  auto& st = self->state;
  auto reason = self->fail_state();
  std::vector<bequeathed_job> heirs;
  auto leave = [&](pending_job& pj) {
    heirs.push_back(bequeathed_job{std::move(pj.j), std::move(pj.sink),
                                   pj.arrived, pj.deadline, pj.attempts});
  };
  while (auto* next = pop_queued(self)) {
    leave(next->second);
    st.jobs.erase(next->first);
  }
  std::vector<uint64_t> running;
  for (auto& [ticket, pj] : st.jobs)
    running.push_back(ticket);
  auto what = is_normal_exit(reason) ? std::string{"was stopped"}
                                     : "crashed (" + describe(reason) + ")";
  for (auto ticket : running) {
    auto& pj = st.jobs[ticket];
    if (st.skill->idempotent && pj.attempts < max_attempts_of(self, pj)) {
      leave(pj);
      st.jobs.erase(ticket);
      continue;
    }
    fail(self, ticket,
         is_normal_exit(reason) ? job_status::cancelled
                                : job_status::skill_error,
         "the pool of skill '" + st.skill->name + "' " + what
           + " while the job ran; not retried: "
           + (st.skill->idempotent ? "no attempts left"
                                   : "skill is not idempotent"));
  }
  salvage_mailbox(self, [&](caf::mailbox_element& x) {
    auto& msg = x.content();
    if (!msg.match_elements<job, result_sink_actor>())
      return false;
    auto now = self->clock().now();
    auto j = msg.move_if_unshared<job>(0);
    auto deadline = deadline_of(self, j, now);
    heirs.push_back(bequeathed_job{std::move(j),
                                   msg.get_as<result_sink_actor>(1), now,
                                   deadline, 0});
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
// ahead of new ones, keeping their arrival times and deadlines.
void adopt(pool_ptr self) {
  auto& st = self->state;
  auto jobs = st.cfg.estate->inherit();
  if (jobs.empty())
    return;
  log::actors().info("worker_pool {}: took over {} jobs from its predecessor",
                     st.skill->name, jobs.size());
  for (auto& x : jobs) {
    auto ticket = st.next_ticket++;
    st.deadlines.push({x.deadline, ticket});
    st.jobs.emplace(ticket, pending_job{std::move(x.j), std::move(x.sink),
                                        x.arrived, x.deadline, {}, x.attempts,
                                        {}});
    st.queue.push_back(ticket);
    ++st.queued;
  }
  // Run them once the pool is up (the tick also dispatches).
  schedule_tick(self, self->clock().now());
}

} // namespace

worker_pool_actor::behavior_type
worker_pool(worker_pool_actor::stateful_pointer<worker_pool_state> self,
            std::shared_ptr<const skill_definition> skill,
            worker_pool_config cfg) {
  auto& st = self->state;
  st.skill = std::move(skill);
  st.cfg = std::move(cfg);
  if (st.cfg.metrics) {
    st.counters = st.cfg.metrics->for_skill(st.skill->name);
    st.has_metrics = true;
  }
  // In-pool skills need no worker actors (see run_inline).
  if (st.skill->mode != skill_mode::in_pool) {
    st.workers.reserve(st.cfg.workers);
    for (uint32_t i = 0; i < std::max(st.cfg.workers, 1u); ++i)
      spawn_worker(self);
  }
  self->set_down_handler([self](const caf::down_msg& dm) {
    on_worker_down(self, dm);
  });
  // Worker deaths arrive as down messages; any other exit stops the pool
  // (and, through the links, its workers).
  self->set_exit_handler([self](caf::exit_msg& em) {
    if (self->state.workers.count(em.source) == 0)
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
      auto& st = self->state;
      if (st.queued >= st.cfg.queue_capacity) {
        auto r = make_failure(j, job_status::overloaded,
                              "skill '" + st.skill->name + "' queue is full ("
                                + std::to_string(st.cfg.queue_capacity)
                                + " jobs); retry later");
        r.node = st.cfg.node_name;
        if (st.has_metrics)
          st.counters.record(r.status, caf::timespan{0});
        self->send(sink, std::move(r));
        return;
      }
      auto now = self->clock().now();
      auto ticket = st.next_ticket++;
      auto deadline = deadline_of(self, j, now);
      st.jobs.emplace(
        ticket,
        pending_job{std::move(j), std::move(sink), now, deadline, {}, 0, {}});
      st.queue.push_back(ticket);
      ++st.queued;
      st.deadlines.push({deadline, ticket});
      schedule_tick(self, deadline);
      dispatch(self);
    },
    [self](atom::done, uint64_t ticket, job_result& r) {
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto& st = self->state;
      auto i = st.workers.find(sender);
      if (i == st.workers.end() || i->second != ticket)
        return; // late result of an abandoned worker
      release_worker(self, sender);
      finish(self, ticket, std::move(r));
      dispatch(self);
    },
    [self](atom::tick) {
      on_tick(self);
    },
    [self](atom::status) {
      auto& st = self->state;
      skill_info info;
      info.name = st.skill->name;
      info.version = st.skill->version;
      info.description = st.skill->description;
      info.blocking = st.skill->mode == skill_mode::blocking;
      // An in-pool skill's pool is its own single worker.
      info.workers = st.skill->mode != skill_mode::in_pool
                       ? static_cast<uint32_t>(st.workers.size())
                       : 1;
      info.busy = st.running;
      info.queued = st.queued;
      info.queue_capacity = st.cfg.queue_capacity;
      info.in_flight = st.jobs.size();
      info.worker_restarts = st.restarts;
      info.idempotent = st.skill->idempotent;
      return info;
    },
  };
}

} // namespace troupe
