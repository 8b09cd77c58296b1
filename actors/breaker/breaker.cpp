#include "actors/breaker/breaker.hpp"

#include "actors/log/logging.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <prometheus/counter.h>

#include <algorithm>
#include <unordered_set>

namespace troupe::breaker {

bool needs_breaker(const skills::skill_definition& skill) {
  return skill.breaker.enabled
         || (skill.idempotent && skill.max_attempts > 1
             && !skill.retry.retry_on.empty());
}

namespace {

using breaker_ptr = breaker_actor::stateful_pointer<breaker_state>;
using call = breaker_state::call;
using time_point = breaker_state::time_point;
using call_iter = std::unordered_map<uint64_t, call>::iterator;

result_sink_actor sink_of(breaker_ptr self) {
  return caf::actor_cast<result_sink_actor>(self);
}

void count(prometheus::Counter* c) {
  if (c != nullptr)
    c->Increment();
}

void schedule_tick(breaker_ptr self, time_point when) {
  auto& st = self->state;
  if (when >= st.tick_due)
    return;
  st.tick_due = when;
  auto now = self->clock().now();
  auto delay = when > now ? when - now : caf::timespan{0};
  self->delayed_send(self, delay, atom::tick::value);
}

// Sends the job's one terminal result and forgets the job.
void finish(breaker_ptr self, call_iter i, job_result&& r, time_point now) {
  auto& st = self->state;
  auto& c = i->second;
  r.id = c.client_id;
  if (r.skill.empty())
    r.skill = st.skill->name;
  if (r.node.empty())
    r.node = st.cfg.node_name;
  if (st.has_jobs)
    st.jobs.record(r.status, now - c.arrived);
  self->send(c.sink, std::move(r));
  st.calls.erase(i);
}

// The attempt about to start: its deadline, the job's or, when it ends
// first, the attempt timeout's.
void prepare_attempt(breaker_ptr self, const call& c, job& j, time_point now) {
  auto& policy = self->state.skill->retry;
  j.options.deadline = c.deadline;
  if (policy.attempt_timeout > caf::timespan{0}
      && now + policy.attempt_timeout < c.deadline) {
    j.options.deadline = now + policy.attempt_timeout;
    j.options.timeout = policy.attempt_timeout;
  }
}

// A call the breaker does not let through: to the fallback skill if there
// is one, else BREAKER_OPEN with the time until the next trial. `j` is the
// job (its id already the breaker's), `prior` what earlier attempts saw.
void reject(breaker_ptr self, call_iter i, job&& j, time_point now,
            const std::string& prior) {
  auto& st = self->state;
  auto& c = i->second;
  ++st.rejected;
  count(st.metrics.rejected);
  auto& fallback = st.skill->breaker.fallback;
  if (!fallback.empty() && st.router) {
    c.fallback = true;
    j.skill = fallback;
    j.options.deadline = c.deadline;
    j.options.max_attempts = 0;
    // A job of another skill: its cache key lives elsewhere.
    j.options.cache_lookup = false;
    self->send(st.router, std::move(j), sink_of(self));
    return;
  }
  job_result r;
  r.status = job_status::breaker_open;
  r.error = "skill '" + st.skill->name
            + "' is unavailable: " + st.circuit->rejection(now) + prior;
  r.retry_after = st.circuit->until_half_open(now);
  r.attempts = c.attempts;
  finish(self, i, std::move(r), now);
}

// Starts the call's next attempt on the pool, or rejects it when the
// breaker no longer lets calls through.
void start_attempt(breaker_ptr self, call_iter i, job&& j, time_point now,
                   const std::string& prior) {
  auto& st = self->state;
  auto& c = i->second;
  if (st.circuit && !st.circuit->try_acquire(now, c.ticket)) {
    reject(self, i, std::move(j), now, prior);
    return;
  }
  c.started = now;
  // The breaker owns the job's re-runs: the pool runs this attempt once.
  j.options.max_attempts = 1;
  if (c.attempts > 0 || st.skill->retry.attempt_timeout > caf::timespan{0})
    prepare_attempt(self, c, j, now);
  self->send(st.pool, std::move(j), sink_of(self));
}

job_result pool_gone(breaker_ptr self) {
  job_result r;
  r.status = job_status::internal;
  r.error = "the pool of skill '" + self->state.skill->name + "' stopped ("
            + *self->state.pool_lost + "); the node cannot run it";
  return r;
}

void on_job(breaker_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto id = st.next_id++;
  auto [i, added] = st.calls.emplace(id, call{});
  auto& c = i->second;
  c.client_id = j.id;
  c.sink = std::move(sink);
  c.arrived = now;
  set_deadline(j, now, st.cfg.default_timeout);
  c.deadline = j.options.deadline;
  c.max_attempts = j.options.max_attempts > 0
                     ? std::min(j.options.max_attempts, st.skill->max_attempts)
                     : st.skill->max_attempts;
  if (st.pool_lost) {
    finish(self, i, pool_gone(self), now);
    return;
  }
  j.id = id;
  // Only a job that may run again keeps a copy of its input.
  if (st.may_rerun && c.max_attempts > 1)
    c.copy = j;
  start_attempt(self, i, std::move(j), now, {});
}

// The fallback skill answered a call the breaker rejected.
void on_fallback_result(breaker_ptr self, call_iter i, job_result& r,
                        time_point now) {
  auto& st = self->state;
  auto& fallback = st.skill->breaker.fallback;
  ++st.fallbacks;
  count(st.metrics.fallbacks);
  // A chain of fallbacks names the skill that answered in the end.
  if (r.fallback.empty())
    r.fallback = fallback;
  if (r.status != job_status::ok)
    r.error = "skill '" + st.skill->name
              + "' is unavailable (its breaker is open) and its fallback '"
              + fallback + "' failed: " + r.error;
  r.skill = st.skill->name;
  r.attempts += i->second.attempts;
  finish(self, i, std::move(r), now);
}

void on_result(breaker_ptr self, job_result& r) {
  auto& st = self->state;
  auto i = st.calls.find(r.id);
  if (i == st.calls.end() || i->second.waiting)
    return; // answered already (the pool stopped meanwhile)
  auto now = self->clock().now();
  auto& c = i->second;
  if (c.fallback) {
    on_fallback_result(self, i, r, now);
    return;
  }
  if (st.circuit)
    st.circuit->record(now, c.ticket, r.status, now - c.started);
  // An attempt the pool refused (OVERLOADED) counts as one.
  c.attempts += std::max(r.attempts, 1u);
  r.attempts = c.attempts;
  if (r.status == job_status::ok) {
    finish(self, i, std::move(r), now);
    return;
  }
  // The worker died under the attempt: it runs again at once, on the
  // worker that replaces it, as long as attempts and time remain.
  if (r.worker_lost && st.may_rerun && !c.copy.skill.empty()
      && c.attempts < c.max_attempts && c.deadline > now) {
    log::about_job(log::actors(), spdlog::level::debug, c.copy.options.trace,
                   "breaker {}: the worker died under attempt {}; running it "
                   "again",
                   st.skill->name, c.attempts);
    auto j = c.attempts + 1 >= c.max_attempts ? std::move(c.copy) : c.copy;
    start_attempt(self, i, std::move(j), now,
                  " (after attempt " + std::to_string(c.attempts)
                    + " lost its worker: " + r.error + ")");
    return;
  }
  if (r.worker_lost && st.may_rerun)
    r.error += "; attempts: " + std::to_string(c.attempts);
  if (!st.may_retry) {
    finish(self, i, std::move(r), now);
    return;
  }
  std::uniform_real_distribution<double> jitter{0.0, 1.0};
  auto d = skills::plan_retry(st.skill->retry, st.skill->idempotent, r.status,
                              c.attempts, c.max_attempts, now, c.deadline,
                              jitter(st.rng));
  if (!d.retry) {
    if (!d.why_not.empty())
      r.error += " (" + d.why_not + ")";
    finish(self, i, std::move(r), now);
    return;
  }
  log::about_job(
    log::actors(), spdlog::level::debug, c.copy.options.trace,
    "breaker {}: attempt {} ended {}, retrying in {} us", st.skill->name,
    c.attempts, to_string(r.status),
    std::chrono::duration_cast<std::chrono::microseconds>(d.delay).count());
  ++st.retries;
  count(st.metrics.retries);
  c.waiting = true;
  // What the attempt saw, for the result should the breaker refuse the next.
  c.last_failure = std::string{to_string(r.status)} + ": " + r.error;
  st.backoffs.push(now + d.delay, i->first);
  schedule_tick(self, now + d.delay);
}

void on_tick(breaker_ptr self) {
  auto& st = self->state;
  st.tick_due = time_point::max();
  auto now = self->clock().now();
  if (st.circuit)
    st.circuit->advance(now);
  st.backoffs.pop_due(now, [&](uint64_t id) {
    auto i = st.calls.find(id);
    if (i == st.calls.end() || !i->second.waiting)
      return;
    auto& c = i->second;
    c.waiting = false;
    // The last attempt the job may have takes the copy itself.
    auto j = c.attempts + 1 >= c.max_attempts ? std::move(c.copy) : c.copy;
    start_attempt(self, i, std::move(j), now,
                  " (after " + std::to_string(c.attempts)
                    + " failed attempt(s), the last: " + c.last_failure + ")");
  });
  if (!st.backoffs.empty())
    schedule_tick(self, st.backoffs.next());
  if (st.circuit)
    schedule_tick(self, st.circuit->next_transition());
}

// A client cancelled some of its jobs: those this breaker holds end
// CANCELLED now, and attempts running in the pool are cancelled there too
// (their results, when they come, find no call).
void on_cancel(breaker_ptr self, const std::vector<uint64_t>& ids,
               const result_sink_actor& sink) {
  auto& st = self->state;
  std::unordered_set<uint64_t> wanted{ids.begin(), ids.end()};
  auto addr = sink.address();
  auto now = self->clock().now();
  std::vector<uint64_t> running;
  for (auto i = st.calls.begin(); i != st.calls.end();) {
    auto next = std::next(i);
    auto& c = i->second;
    if (wanted.count(c.client_id) > 0 && c.sink.address() == addr) {
      if (!c.waiting && !c.fallback) {
        running.push_back(i->first);
        // Says nothing about the skill; frees a trial slot it held.
        if (st.circuit)
          st.circuit->record(now, c.ticket, job_status::cancelled,
                             now - c.started);
      }
      job_result r;
      r.status = job_status::cancelled;
      r.error = c.waiting ? "cancelled by its client while waiting to retry"
                          : "cancelled by its client while running";
      r.attempts = c.attempts;
      finish(self, i, std::move(r), now);
    }
    i = next;
  }
  // A node's pools stop such attempts; other runners may not know the
  // message (they finish the attempt, and its result finds no call).
  if (!running.empty())
    caf::anon_send(caf::actor_cast<caf::actor>(st.pool), atom::cancel::value,
                   std::move(running), sink_of(self));
}

// The pool is gone: nothing it held will be answered, so every job still
// waiting on it (or on a retry) is answered now, and later ones at once.
void on_pool_down(breaker_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  if (dm.source != st.pool.address())
    return;
  st.pool_lost = describe(dm.reason);
  log::actors().error("breaker {}: its pool stopped ({})", st.skill->name,
                      *st.pool_lost);
  auto now = self->clock().now();
  for (auto i = st.calls.begin(); i != st.calls.end();) {
    auto next = std::next(i);
    if (!i->second.fallback)
      finish(self, i, pool_gone(self), now);
    i = next;
  }
}

// The breaker's last will: the results of its attempts would come back to
// it, so it lets go of every job it holds. In a node, a job that may run
// again (a retrying skill with attempts left, whose input the breaker kept)
// goes to the breaker's successor as a new job; every other job is answered
// now: CANCELLED when the node stops, INTERNAL after a crash.
void answer_all(breaker_ptr self) {
  auto& st = self->state;
  if (st.calls.empty())
    return;
  auto reason = self->fail_state();
  auto stopping = supervision::is_normal_exit(reason);
  log::actors().warn("breaker {}: ended ({}) holding {} jobs", st.skill->name,
                     describe(reason), st.calls.size());
  auto now = self->clock().now();
  while (!st.calls.empty()) {
    auto i = st.calls.begin();
    auto& c = i->second;
    // The attempt in flight may have run: it counts.
    auto used = c.attempts + (c.waiting ? 0 : 1);
    if (!stopping && st.cfg.supervised && !c.fallback && st.may_retry
        && !c.copy.skill.empty() && used < c.max_attempts && c.deadline > now) {
      auto j = std::move(c.copy);
      j.id = c.client_id;
      j.options.max_attempts = c.max_attempts - used;
      j.options.deadline = c.deadline;
      // Sent to this incarnation, it reaches the next (the supervised
      // actor's succession).
      self->send(self, std::move(j), std::move(c.sink));
      st.calls.erase(i);
      continue;
    }
    job_result r;
    if (stopping) {
      r.status = job_status::cancelled;
      r.error = "node " + st.cfg.node_name + " stopped before the job finished";
    } else {
      r.status = job_status::internal;
      r.error = "the breaker of skill '" + st.skill->name + "' ended ("
                + describe(reason)
                + ") while the job ran; resubmit it if running it twice is "
                  "safe";
    }
    r.attempts = used;
    finish(self, i, std::move(r), now);
  }
}

breaker_status make_status(breaker_ptr self) {
  auto& st = self->state;
  breaker_status out;
  if (st.circuit)
    out = st.circuit->status(self->clock().now());
  out.enabled = st.circuit != nullptr;
  out.skill = st.skill->name;
  out.rejected = st.rejected;
  out.fallbacks = st.fallbacks;
  out.retries = st.retries;
  return out;
}

caf::result<breaker_status> on_command(breaker_ptr self, breaker_command cmd) {
  auto& st = self->state;
  if (!st.circuit) {
    if (cmd == breaker_command::show)
      return make_status(self);
    return caf::make_error(error_code::rejected,
                           "skill '" + st.skill->name
                             + "' has no breaker (breaker = false in its "
                               "config section)");
  }
  auto now = self->clock().now();
  switch (cmd) {
    case breaker_command::force_open:
      st.circuit->force_open(now);
      break;
    case breaker_command::force_close:
      st.circuit->force_close(now);
      break;
    case breaker_command::reset:
      st.circuit->reset(now);
      break;
    default:
      return make_status(self);
  }
  log::actors().warn("breaker {}: an operator asked to {}; now {}",
                     st.skill->name, to_string(cmd),
                     to_string(st.circuit->state()));
  return make_status(self);
}

void start_circuit(breaker_ptr self) {
  auto& st = self->state;
  if (!st.skill->breaker.enabled)
    return;
  st.circuit = std::make_unique<circuit_breaker>(st.skill->breaker,
                                                 self->clock().now());
  st.circuit->on_transition([self](circuit_state from, circuit_state to) {
    auto& st = self->state;
    st.metrics.transition(from, to);
    auto& lg = log::actors();
    if (to == circuit_state::open)
      lg.warn("breaker {}: {} -> open: {}", st.skill->name, to_string(from),
              st.circuit->rejection(self->clock().now()));
    else
      lg.info("breaker {}: {} -> {}", st.skill->name, to_string(from),
              to_string(to));
    if (to == circuit_state::open)
      schedule_tick(self, st.circuit->next_transition());
  });
}

} // namespace

breaker_actor::behavior_type
breaker(breaker_actor::stateful_pointer<breaker_state> self,
        std::shared_ptr<const skills::skill_definition> skill,
        job_runner_actor pool, breaker_config cfg) {
  auto& st = self->state;
  st.skill = std::move(skill);
  st.pool = std::move(pool);
  st.cfg = std::move(cfg);
  st.may_rerun = st.skill->idempotent && st.skill->max_attempts > 1;
  st.may_retry = st.may_rerun && !st.skill->retry.retry_on.empty();
  st.rng.seed(st.cfg.seed != 0 ? st.cfg.seed : std::random_device{}());
  if (st.cfg.metrics) {
    st.jobs = st.cfg.metrics->for_skill(st.skill->name);
    st.has_jobs = true;
  }
  if (st.cfg.breaker_metrics)
    st.metrics = st.cfg.breaker_metrics->for_skill(st.skill->name,
                                                   st.skill->breaker.enabled);
  start_circuit(self);
  st.router = st.cfg.router;
  if (!st.cfg.supervised) {
    self->monitor(st.pool);
    self->set_down_handler([self](const caf::down_msg& dm) {
      on_pool_down(self, dm);
    });
  }
  self->set_default_handler(caf::drop);
  st.will = [self] {
    answer_all(self);
  };
  return {
    [self](job& j, result_sink_actor& sink) {
      on_job(self, j, sink);
    },
    [self](job_result& r) {
      on_result(self, r);
    },
    [self](atom::tick) {
      on_tick(self);
    },
    [self](router_actor& r) {
      self->state.router = std::move(r);
    },
    [self](atom::status) {
      return make_status(self);
    },
    [self](atom::breaker, breaker_command cmd) {
      return on_command(self, cmd);
    },
    [self](atom::cancel, const std::vector<uint64_t>& ids,
           const result_sink_actor& sink) {
      on_cancel(self, ids, sink);
    },
  };
}

} // namespace troupe::breaker
