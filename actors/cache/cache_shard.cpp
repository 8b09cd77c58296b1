#include "actors/cache/cache_shard.hpp"

#include "actors/log/logging.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace troupe::cache {

namespace {

using shard_ptr = cache_shard_actor::stateful_pointer<cache_shard_state>;
using flight = cache_shard_state::flight;
using waiter = cache_shard_state::waiter;
using time_point = cache_shard_state::time_point;

void count(prometheus::Counter* c, uint64_t n = 1) {
  if (c != nullptr && n > 0)
    c->Increment(static_cast<double>(n));
}

// Adds what the store did since the last call to the shared metrics.
void publish(shard_ptr self) {
  auto& st = self->state;
  auto& m = st.cfg.metrics;
  auto& now = st.store->counters();
  auto& old = st.published;
  if (m) {
    count(m->evicted_size, now.evicted_size - old.evicted_size);
    count(m->evicted_ttl, now.evicted_ttl - old.evicted_ttl);
    count(m->rejected_admission,
          now.rejected_admission - old.rejected_admission);
    count(m->rejected_too_large,
          now.rejected_too_large - old.rejected_too_large);
    m->bytes->Increment(static_cast<double>(now.bytes)
                        - static_cast<double>(old.bytes));
    m->entries->Increment(static_cast<double>(now.entries)
                          - static_cast<double>(old.entries));
  }
  old = now;
}

void schedule_sweep(shard_ptr self) {
  auto& st = self->state;
  if (st.sweep_scheduled || st.store->counters().entries == 0)
    return;
  st.sweep_scheduled = true;
  self->delayed_send(self, st.cfg.sweep_interval, atom::tick::value);
}

// Takes a token from the refresh-ahead bucket, refilled at the configured
// rate up to a burst of max(1, rate).
bool take_refresh_token(shard_ptr self, time_point now) {
  auto& st = self->state;
  if (st.cfg.refresh_rate <= 0)
    return false;
  auto burst = std::max(1.0, st.cfg.refresh_rate);
  auto elapsed = std::chrono::duration<double>(now - st.tokens_updated).count();
  st.tokens = std::min(burst, st.tokens + elapsed * st.cfg.refresh_rate);
  st.tokens_updated = now;
  if (st.tokens < 1.0 || st.background_in_flight >= burst)
    return false;
  st.tokens -= 1.0;
  return true;
}

// When a job that arrives `now` is due: as its router set it, or, for a
// job sent to the shard directly, from its own timeout or its skill's.
time_point due_time(shard_ptr self, const job& j, time_point now) {
  auto& st = self->state;
  auto i = st.cfg.timeouts.find(j.skill);
  return deadline_of(
    j, now, i != st.cfg.timeouts.end() ? i->second : st.cfg.default_timeout);
}

// Runs `j` once on `pool` for everyone waiting on `key`.
void start_flight(shard_ptr self, job&& j, const cache_key& key,
                  const job_runner_actor& pool, std::vector<waiter> waiters,
                  bool background) {
  auto& st = self->state;
  auto id = st.next_flight++;
  st.flight_of[key] = id;
  auto deadline = due_time(self, j, self->clock().now());
  st.flights.emplace(id, flight{key, j.skill, pool, deadline, j,
                                std::move(waiters), background});
  j.id = id;
  j.options.deadline = deadline;
  j.options.cache = cache_mode::normal;
  if (background) {
    // Behind every user job once pools order by priority.
    j.options.priority = std::numeric_limits<int32_t>::min();
    ++st.background_in_flight;
  }
  self->send(pool, std::move(j), caf::actor_cast<result_sink_actor>(self));
}

// Recomputes a hot entry near its expiry in the background.
void maybe_refresh_ahead(shard_ptr self, job& j, const cache_key& key,
                         const job_runner_actor& pool,
                         const skills::cache_policy& policy, time_point expires,
                         time_point now) {
  auto& st = self->state;
  auto window = std::chrono::duration_cast<caf::timespan>(
    policy.ttl * (1.0 - st.cfg.refresh_after));
  if (expires - now > window || st.flight_of.count(key) > 0
      || st.store->frequency(key) < st.cfg.hot_frequency
      || !take_refresh_token(self, now))
    return;
  ++st.refresh_aheads;
  if (st.cfg.metrics)
    count(st.cfg.metrics->refresh_aheads);
  log::about_job(log::actors(), spdlog::level::debug, j.options.trace,
                 "cache_shard: refreshing {} ahead of its expiry", j.skill);
  start_flight(self, std::move(j), key, pool, {}, true);
}

void record(shard_ptr self, const cache_shard_state::skill_entry& sk,
            job_status status, caf::timespan total) {
  if (self->state.cfg.jobs)
    sk.jobs.record(status, total);
}

void answer_hit(shard_ptr self, cache_shard_state::skill_entry& sk, job& j,
                const result_store::found& hit, result_sink_actor& sink) {
  auto& st = self->state;
  job_result r;
  r.id = j.id;
  r.status = hit.status;
  if (hit.status == job_status::ok)
    r.output.assign(hit.value.data(), hit.value.size());
  else
    r.error.assign(hit.value.data(), hit.value.size());
  r.skill = j.skill;
  r.node = st.cfg.node_name;
  r.cache_hit = true;
  // Nothing ran: attempts and timings stay zero.
  ++sk.lookups.hits;
  if (st.cfg.metrics)
    count(st.cfg.metrics->hit);
  record(self, sk, r.status, caf::timespan{0});
  self->send(sink, std::move(r));
}

// Arms the timer for the earliest waiter deadline.
void schedule_expiry(shard_ptr self) {
  auto& st = self->state;
  if (st.waiter_deadlines.empty())
    return;
  auto when = st.waiter_deadlines.next();
  if (when >= st.expire_due)
    return;
  st.expire_due = when;
  auto now = self->clock().now();
  self->delayed_send(self, when > now ? when - now : caf::timespan{0},
                     atom::expire::value);
}

// Adds a waiter to the execution already running for `key`, if any. A
// waiter whose deadline comes before the execution's is watched, so that
// it ends at its own deadline.
bool join_flight(shard_ptr self, const cache_key& key, waiter&& w,
                 time_point deadline) {
  auto& st = self->state;
  auto i = st.flight_of.find(key);
  if (i == st.flight_of.end())
    return false;
  auto& fl = st.flights.at(i->second);
  if (deadline < fl.deadline) {
    w.watch = st.next_watch++;
    st.watched.emplace(w.watch, std::make_pair(i->second, deadline));
    st.waiter_deadlines.push(deadline, w.watch);
    schedule_expiry(self);
  }
  fl.waiters.push_back(std::move(w));
  return true;
}

// Ends `fl`'s waiters that `leaves` picks with a result `make(w)`; an
// execution nobody waits for any more is cancelled in its runner (its
// result, if it still comes, is kept as usual).
template <class Pred, class Make>
void end_waiters(shard_ptr self, uint64_t flight_id, flight& fl, Pred leaves,
                 Make make) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto sk = st.skills.find(fl.skill);
  std::vector<cache_shard_state::waiter> kept;
  for (size_t k = 0; k < fl.waiters.size(); ++k) {
    auto& w = fl.waiters[k];
    if (!leaves(w)) {
      kept.push_back(std::move(w));
      continue;
    }
    if (w.watch != 0)
      st.watched.erase(w.watch);
    job_result r = make(w);
    r.id = w.id;
    r.skill = fl.skill;
    r.node = st.cfg.node_name;
    // The runner counts the execution for the first waiter of a user
    // execution: it now stands for the next one, or ends as the runner
    // says.
    if ((k > 0 || fl.background) && sk != st.skills.end())
      record(self, sk->second, r.status, now - w.arrived);
    self->send(w.sink, std::move(r));
  }
  auto someone_left = kept.size() < fl.waiters.size();
  fl.waiters = std::move(kept);
  if (someone_left && fl.waiters.empty() && !fl.background && fl.pool)
    caf::anon_send(caf::actor_cast<caf::actor>(fl.pool), atom::cancel::value,
                   std::vector<uint64_t>{flight_id},
                   caf::actor_cast<result_sink_actor>(self));
}

// Waiters whose own deadline passed end TIMEOUT; the execution they joined
// goes on for the others.
void on_expire(shard_ptr self) {
  auto& st = self->state;
  st.expire_due = time_point::max();
  auto now = self->clock().now();
  std::unordered_set<uint64_t> due;
  std::unordered_set<uint64_t> flights;
  st.waiter_deadlines.pop_due(now, [&](uint64_t watch) {
    auto i = st.watched.find(watch);
    if (i == st.watched.end())
      return;
    due.insert(watch);
    flights.insert(i->second.first);
  });
  for (auto id : flights) {
    auto f = st.flights.find(id);
    if (f == st.flights.end())
      continue;
    end_waiters(
      self, id, f->second,
      [&](const waiter& w) {
        return w.watch != 0 && due.count(w.watch) > 0;
      },
      [](const waiter&) {
        job_result r;
        r.status = job_status::timeout;
        r.error = "its deadline passed while it waited for an identical "
                  "job's execution, which goes on for the others";
        return r;
      });
  }
  st.waiter_deadlines.compact(st.watched,
                              [](const std::pair<uint64_t, time_point>& x) {
                                return x.second;
                              });
  schedule_expiry(self);
}

void on_job(shard_ptr self, job& j, const cache_key& key,
            job_runner_actor& pool, result_sink_actor& sink) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto sk = st.skills.find(j.skill);
  if (sk == st.skills.end()) {
    // Not a skill this shard caches (a router with another view): run it.
    self->send(pool, std::move(j), std::move(sink));
    return;
  }
  auto& skill = sk->second;
  auto* m = st.cfg.metrics.get();
  if (j.options.cache == cache_mode::refresh) {
    ++st.refreshed;
    if (m)
      count(m->refresh);
    // An execution already running is as fresh as a new one would be.
    waiter w{j.id, std::move(sink), now};
    if (!join_flight(self, key, std::move(w), due_time(self, j, now)))
      start_flight(self, std::move(j), key, pool, {std::move(w)}, false);
    return;
  }
  if (auto hit = st.store->find(key, now)) {
    auto expires = hit->expires;
    answer_hit(self, skill, j, *hit, sink);
    publish(self);
    maybe_refresh_ahead(self, j, key, pool, skill.policy, expires, now);
    return;
  }
  publish(self);
  waiter w{j.id, std::move(sink), now};
  if (join_flight(self, key, std::move(w), due_time(self, j, now))) {
    ++st.coalesced;
    if (m)
      count(m->coalesced);
    return;
  }
  ++skill.lookups.misses;
  if (m)
    count(m->miss);
  start_flight(self, std::move(j), key, pool, {std::move(w)}, false);
}

// Stores a finished execution's result per the skill's policy.
void keep_result(shard_ptr self, const flight& fl, const job_result& r,
                 time_point now) {
  auto& st = self->state;
  auto sk = st.skills.find(fl.skill);
  if (sk == st.skills.end())
    return;
  auto& policy = sk->second.policy;
  if (!skills::cacheable(policy, r.status)) {
    // Not kept; an older entry stays valid until it expires, so a failed
    // refresh does not throw away a good result.
    return;
  }
  auto& value = r.status == job_status::ok ? r.output : r.error;
  if (value.size() > policy.max_entry_bytes) {
    // The result is newer than any entry the key has: drop the old one.
    st.store->erase(fl.key);
    return;
  }
  st.store->insert(fl.key, r.status, value, now + policy.ttl, now);
  schedule_sweep(self);
}

void on_result(shard_ptr self, job_result& r) {
  auto& st = self->state;
  auto i = st.flights.find(r.id);
  if (i == st.flights.end())
    return; // its pool went away and the waiters got an answer already
  auto fl = std::move(i->second);
  st.flights.erase(i);
  auto f = st.flight_of.find(fl.key);
  if (f != st.flight_of.end() && f->second == r.id)
    st.flight_of.erase(f);
  if (fl.background)
    --st.background_in_flight;
  auto now = self->clock().now();
  keep_result(self, fl, r, now);
  publish(self);
  auto sk = st.skills.find(fl.skill);
  for (size_t k = 0; k < fl.waiters.size(); ++k) {
    auto& w = fl.waiters[k];
    if (w.watch != 0)
      st.watched.erase(w.watch);
    auto last = k + 1 == fl.waiters.size();
    auto out = last ? std::move(r) : r;
    out.id = w.id;
    // The pool counted the job it ran (for the first waiter of a user
    // execution); every other waiter's answer is counted here.
    if ((k > 0 || fl.background) && sk != st.skills.end())
      record(self, sk->second, out.status, now - w.arrived);
    self->send(w.sink, std::move(out));
  }
}

// A client cancelled some of its jobs: those waiting for an execution end
// CANCELLED. An execution nobody waits for any more is cancelled in its
// runner (its result, if it still comes, is kept as usual).
void on_cancel(shard_ptr self, const std::vector<uint64_t>& ids,
               const result_sink_actor& sink) {
  auto& st = self->state;
  std::unordered_set<uint64_t> wanted{ids.begin(), ids.end()};
  auto addr = sink.address();
  for (auto& [id, fl] : st.flights) {
    if (fl.waiters.empty())
      continue;
    end_waiters(
      self, id, fl,
      [&](const waiter& w) {
        return wanted.count(w.id) > 0 && w.sink.address() == addr;
      },
      [](const waiter&) {
        job_result r;
        r.status = job_status::cancelled;
        r.error = "cancelled by its client while running";
        return r;
      });
  }
}

void on_sweep(shard_ptr self) {
  auto& st = self->state;
  st.sweep_scheduled = false;
  st.store->sweep(self->clock().now(), st.cfg.sweep_slots);
  publish(self);
  schedule_sweep(self);
}

cache_status make_status(shard_ptr self) {
  auto& st = self->state;
  auto& c = st.store->counters();
  cache_status out;
  out.shards = 1;
  out.coalesced = st.coalesced;
  out.refreshed = st.refreshed;
  out.entries = c.entries;
  out.bytes = c.bytes;
  out.budget = st.store->budget();
  out.evicted_size = c.evicted_size;
  out.evicted_ttl = c.evicted_ttl;
  out.rejected_admission = c.rejected_admission;
  out.rejected_too_large = c.rejected_too_large;
  out.refresh_aheads = st.refresh_aheads;
  out.in_flight = st.flights.size();
  for (auto& [name, sk] : st.skills) {
    out.hits += sk.lookups.hits;
    out.misses += sk.lookups.misses;
    if (sk.lookups.hits + sk.lookups.misses > 0)
      out.skills.push_back(sk.lookups);
  }
  merge_into(out, cache_status{}); // sorts the skills
  return out;
}

// The shard's last will: results of its executions in flight would come
// back to nobody, so every waiter's job runs again on the skill's runner,
// which answers the waiter itself (a skill that must not run twice, or a
// node that is stopping, gets an answer instead).
void answer_flights(shard_ptr self) {
  auto& st = self->state;
  if (st.flights.empty())
    return;
  auto reason = self->fail_state();
  auto stopping = supervision::is_normal_exit(reason);
  size_t rerun = 0;
  size_t answered = 0;
  for (auto& [id, fl] : st.flights) {
    auto again = !stopping && fl.pool
                 && st.cfg.not_idempotent.count(fl.skill) == 0;
    for (auto& w : fl.waiters) {
      if (again) {
        auto j = fl.request;
        j.id = w.id;
        // Straight to the runner: this job does not come back here.
        j.options.cache = cache_mode::bypass;
        self->send(fl.pool, std::move(j), w.sink);
        ++rerun;
        continue;
      }
      job_result r;
      r.id = w.id;
      r.skill = fl.skill;
      r.node = st.cfg.node_name;
      if (stopping) {
        r.status = job_status::cancelled;
        r.error = "node " + st.cfg.node_name
                  + " stopped before the job finished";
      } else {
        r.status = job_status::internal;
        r.error = "the cache shard running the job crashed (" + describe(reason)
                  + "); the job may have run, and skill '" + fl.skill
                  + "' is not idempotent: not run again";
      }
      self->send(w.sink, std::move(r));
      ++answered;
    }
  }
  log::actors().warn("cache_shard: ended ({}) with {} executions in flight; "
                     "{} jobs run again, {} answered",
                     describe(reason), st.flights.size(), rerun, answered);
}

} // namespace

cache_shard_actor::behavior_type
cache_shard(cache_shard_actor::stateful_pointer<cache_shard_state> self,
            cache_shard_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.store = std::make_unique<result_store>(
    result_store::config{st.cfg.budget, st.cfg.admission});
  for (auto& [name, policy] : st.cfg.policies) {
    cache_shard_state::skill_entry sk;
    sk.policy = policy;
    sk.lookups.skill = name;
    if (st.cfg.jobs)
      sk.jobs = st.cfg.jobs->for_skill(name);
    st.skills.emplace(name, std::move(sk));
  }
  st.tokens = std::max(1.0, st.cfg.refresh_rate);
  st.tokens_updated = self->clock().now();
  self->set_default_handler(caf::drop);
  st.will = [self] {
    answer_flights(self);
  };
  return {
    [self](job& j, cache_key& key, job_runner_actor& pool,
           result_sink_actor& sink) {
      on_job(self, j, key, pool, sink);
    },
    [self](job_result& r) {
      on_result(self, r);
    },
    [self](atom::tick) {
      on_sweep(self);
    },
    [self](atom::expire) {
      on_expire(self);
    },
    [self](atom::status) {
      return make_status(self);
    },
    [self](atom::cancel, const std::vector<uint64_t>& ids,
           const result_sink_actor& sink) {
      on_cancel(self, ids, sink);
    },
  };
}

} // namespace troupe::cache
