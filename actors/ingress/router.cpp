#include "actors/ingress/router.hpp"

#include "actors/base/hash_mix.hpp"
#include "actors/cache/cache_digest.hpp"
#include "actors/log/logging.hpp"
#include "cluster/cache_ring.hpp"
#include "config/version.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <prometheus/counter.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe::ingress {

namespace {

using router_ptr = router_actor::stateful_pointer<router_state>;

// Asks each of `targets` (pairs of a name and a handle) for its status,
// folds every answer into `acc` with `fold(acc, name, reply)` (reply null
// when the target is gone or does not answer in time) and calls `done(acc)`
// once all are in.
template <class Reply, class Targets, class Acc, class Fold, class Done>
void fan_in(router_ptr self, const Targets& targets, Acc acc, Fold fold,
            Done done) {
  struct gather {
    Acc acc;
    size_t pending;
    Fold fold;
    Done done;
  };
  auto g = std::make_shared<gather>(
    gather{std::move(acc), targets.size(), std::move(fold), std::move(done)});
  if (targets.empty()) {
    g->done(std::move(g->acc));
    return;
  }
  auto add = [g](const std::string& name, Reply* x) {
    g->fold(g->acc, name, x);
    if (--g->pending == 0)
      g->done(std::move(g->acc));
  };
  for (auto& [name, handle] : targets) {
    if (!handle) {
      add(name, nullptr);
      continue;
    }
    self->request(handle, self->state.cfg.status_timeout, atom::status::value)
      .then(
        [add, name = name](Reply& x) {
          add(name, &x);
        },
        [add, name = name](caf::error&) {
          add(name, nullptr);
        });
  }
}

// Collects one skill_info per pool (a pool that does not answer gets one
// with its name only), then calls `done` with them sorted by skill.
template <class Done>
void gather_skills(router_ptr self, Done done) {
  fan_in<skill_info>(
    self, self->state.pools, std::vector<skill_info>{},
    [self](std::vector<skill_info>& infos, const std::string& name,
           skill_info* x) {
      skill_info info;
      if (x != nullptr)
        info = std::move(*x);
      else
        info.name = name;
      info.cached = self->state.cfg.cached_skills.count(info.name) > 0;
      infos.push_back(std::move(info));
    },
    [done = std::move(done)](std::vector<skill_info> infos) mutable {
      std::sort(infos.begin(), infos.end(), [](auto& a, auto& b) {
        return a.name < b.name;
      });
      done(std::move(infos));
    });
}

// Collects the figures of every cache shard, then calls `done` with their
// sum. A shard that does not answer in time is left out.
template <class Done>
void gather_cache(router_ptr self, Done done) {
  auto& shards = self->state.cfg.cache_shards;
  std::vector<std::pair<std::string, cache_shard_actor>> targets;
  targets.reserve(shards.size());
  for (size_t i = 0; i < shards.size(); ++i)
    targets.emplace_back(std::to_string(i), shards[i]);
  cache_status sum;
  sum.bypassed = self->state.cache_bypassed;
  fan_in<cache_status>(
    self, targets, std::move(sum),
    [](cache_status& acc, const std::string&, cache_status* x) {
      if (x != nullptr)
        merge_into(acc, *x);
    },
    std::move(done));
}

// To the shard owning `key` (in a node, its registered name: a shard that
// is starting or restarting takes the job when it runs).
void send_to_shard(router_ptr self, const cache_key& key, job& j,
                   const job_runner_actor& runner, result_sink_actor& sink) {
  auto& st = self->state;
  auto& shard = st.cfg.cache_shards[st.cfg.cache_owner(key)];
  self->send(shard, std::move(j), key, runner, std::move(sink));
}

// Collects the status of every breaker, then calls `done` with them sorted
// by skill. A breaker that does not answer in time is left out.
template <class Done>
void gather_breakers(router_ptr self, Done done) {
  fan_in<breaker_status>(
    self, self->state.cfg.breakers, std::vector<breaker_status>{},
    [](std::vector<breaker_status>& all, const std::string&,
       breaker_status* x) {
      if (x != nullptr)
        all.push_back(std::move(*x));
    },
    [done = std::move(done)](std::vector<breaker_status> all) mutable {
      std::sort(all.begin(), all.end(), [](auto& a, auto& b) {
        return a.skill < b.skill;
      });
      done(std::move(all));
    });
}

// An operator's command for a skill's breaker.
caf::result<breaker_status> command_breaker(router_ptr self,
                                            const std::string& skill,
                                            breaker_command cmd) {
  auto& st = self->state;
  auto i = st.cfg.breakers.find(skill);
  if (i != st.cfg.breakers.end())
    return self->delegate(i->second, atom::breaker::value, cmd);
  if (st.pools.count(skill) > 0)
    return caf::make_error(error_code::rejected,
                           "skill '" + skill
                             + "' has no breaker (breaker = false and no "
                               "retries in its config section)");
  return caf::make_error(error_code::rejected,
                         "node " + st.cfg.node_name + " has no skill '" + skill
                           + "'; it has: " + st.skill_names);
}

// A job of a cached skill: to the shard that owns its key, unless it
// bypasses the cache.
void route_cached(router_ptr self, const std::string& version, job& j,
                  const job_runner_actor& pool, result_sink_actor& sink) {
  auto& st = self->state;
  if (j.options.cache == cache_mode::bypass) {
    ++st.cache_bypassed;
    if (st.cfg.cache_metrics)
      st.cfg.cache_metrics->bypass->Increment();
    self->send(pool, std::move(j), std::move(sink));
    return;
  }
  auto key = cache::cache_digest(j.skill, version, j.input);
  send_to_shard(self, key, j, pool, sink);
}

job_result reject(router_ptr self, const job& j, job_status st,
                  std::string why) {
  auto r = make_failure(j, st, std::move(why));
  r.node = self->state.cfg.node_name;
  if (self->state.cfg.metrics) {
    // Only skills this node offers become label values: a client sending
    // random skill names must not grow the metrics without bound.
    auto known = self->state.pools.count(j.skill) > 0;
    self->state.cfg.metrics->record(known ? j.skill : "-", st,
                                    caf::timespan{0});
  }
  return r;
}

// Counts one job exchanged with `peer` ("in" or "out"). Label values come
// from the membership table only: the origin a job from another member
// names is a message field, and a name the view does not hold counts as
// "-", so no peer can grow the metrics without bound.
void count_remote(router_ptr self, const std::string& peer,
                  const char* direction) {
  auto& st = self->state;
  if (!st.cfg.cluster_metrics || peer.empty())
    return;
  auto& table = direction[0] == 'i' ? st.jobs_in : st.jobs_out;
  auto i = table.find(peer);
  if (i == table.end()) {
    auto member = std::any_of(st.members.begin(), st.members.end(),
                              [&](const troupe::member& m) {
                                return m.name == peer;
                              });
    auto label = member ? peer : std::string{"-"};
    i = table.find(label);
    if (i == table.end())
      i = table
            .emplace(label,
                     &st.cfg.cluster_metrics->remote_jobs(label, direction))
            .first;
  }
  i->second->Increment();
}

// Sends `j` to run on member `target` (or, with cache_lookup, to be looked
// up in its cache first).
void send_to_member(router_ptr self, const std::string& target, job& j,
                    result_sink_actor& sink) {
  auto& st = self->state;
  j.options.origin = st.cfg.node_name;
  // A ready link takes the job directly; otherwise the dispatcher connects.
  auto link = st.links.find(target);
  if (link != st.links.end()) {
    if (j.options.max_attempts == 0)
      j.options.max_attempts = cluster::default_cluster_attempts;
    j.options.placed = true;
    self->send(link->second.second, std::move(j), std::move(sink));
    return;
  }
  self->send(st.cfg.dispatcher, atom::run::value, target, std::move(j),
             std::move(sink));
}

// The count placement reads for `skill` on `member`, created on first use;
// null without a load board.
router_state::skill_count* skill_count_of(router_ptr self,
                                          const std::string& member,
                                          const std::string& skill) {
  auto& st = self->state;
  auto local = member == st.cfg.node_name;
  auto& board = local ? st.cfg.pool_load : st.cfg.link_load;
  if (!board)
    return nullptr;
  auto& counts = local ? st.pool_counts : st.link_counts[member];
  auto i = counts.find(skill);
  if (i == counts.end()) {
    auto key = local ? skill : base::load_board::member_key(member, skill);
    i = counts
          .emplace(skill, router_state::skill_count{board->counter_for(key)})
          .first;
  }
  return &i->second;
}

// The jobs of `skill` in flight on `member` as this node knows them now:
// its own pools' exactly, or what it sent the member and has not had
// answered plus what other nodes gave it (see `skill_count`).
std::optional<int64_t> in_flight_on(router_ptr self, const std::string& member,
                                    const std::string& skill) {
  auto* c = skill_count_of(self, member, skill);
  if (c == nullptr)
    return std::nullopt;
  return c->count->load(std::memory_order_relaxed) + c->others;
}

// A new view: each member's heartbeat figures less this node's part in
// them are the jobs other nodes gave it.
void learn_others_load(router_ptr self) {
  auto& st = self->state;
  for (auto& m : st.members) {
    if (m.name == st.cfg.node_name)
      continue;
    for (auto& s : m.skills) {
      auto* c = skill_count_of(self, m.name, s.name);
      if (c == nullptr)
        return;
      auto beat = static_cast<int64_t>(s.busy) + static_cast<int64_t>(s.queued);
      c->others = std::max<int64_t>(
        0, beat - c->count->load(std::memory_order_relaxed));
    }
  }
}

// Sends the job to another member when placement says so; false when it
// runs here (or nowhere: then the caller reports the unknown skill).
bool place_elsewhere(router_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  if (j.options.placed) {
    count_remote(self, j.options.origin, "in");
    return false;
  }
  if (!st.cfg.dispatcher || st.members.size() < 2)
    return false;
  auto target = cluster::placement::choose(
    st.members, st.cfg.node_name, j.skill, {}, [&](const std::string& m) {
      return in_flight_on(self, m, j.skill);
    });
  if (!target || *target == st.cfg.node_name)
    return false;
  count_remote(self, *target, "out");
  send_to_member(self, *target, j, sink);
  return true;
}

// In a cluster, a job of a skill some member caches goes to the member
// owning its key, so that identical jobs submitted anywhere meet in one
// shard. False when the job is not for the cluster's cache (then it is
// placed by load).
bool route_to_key_owner(router_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  if (j.options.placed || j.options.cache == cache_mode::bypass
      || !st.cfg.dispatcher || st.members.size() < 2)
    return false;
  auto local = st.cfg.cached_skills.find(j.skill);
  const std::string* version = nullptr;
  if (local != st.cfg.cached_skills.end())
    version = &local->second;
  else if (auto* s = cluster::cache_ring::cached_skill(st.members, j.skill))
    version = &s->version;
  else
    return false;
  auto key = cache::cache_digest(j.skill, *version, j.input);
  auto* owner = cluster::cache_ring::owner(st.members, j.skill, key);
  if (owner == nullptr)
    return false;
  if (owner->name != st.cfg.node_name) {
    j.options.cache_lookup = true;
    count_remote(self, owner->name, "out");
    send_to_member(self, owner->name, j, sink);
    return true;
  }
  auto target = st.targets.find(j.skill);
  if (local == st.cfg.cached_skills.end() || target == st.targets.end()
      || !target->second)
    return false; // the view is older than this node's skills, or the
                  // skill's runner is not known yet (then the job waits)
  send_to_shard(self, key, j, target->second, sink);
  return true;
}

void reject_unknown(router_ptr self, const job& j,
                    const result_sink_actor& sink) {
  auto& st = self->state;
  if (j.skill.empty()) {
    self->send(sink,
               reject(self, j, job_status::bad_input,
                      "job names no skill; available: " + st.skill_names));
    return;
  }
  std::string why = "unknown skill '" + j.skill + "'";
  if (j.options.placed)
    why += ": node " + st.cfg.node_name + " does not offer it";
  else if (st.members.size() > 1)
    why += "; available in the cluster: "
           + cluster::placement::where_skills_live(st.members);
  else
    why += "; available: " + st.skill_names;
  self->send(sink, reject(self, j, job_status::unknown_skill, why));
}

// A job for a skill this node does not offer, before the router learned
// where skills live: it waits for the view rather than end UNKNOWN_SKILL.
bool hold_for_view(router_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  if (st.has_view || !st.cfg.dispatcher || j.options.placed
      || st.targets.count(j.skill) > 0
      || st.held_for_view.size() >= st.cfg.max_held_jobs)
    return false;
  if (st.held_for_view.empty())
    self->delayed_send(self, st.cfg.view_timeout, atom::tick::value);
  // The wait counts against the job's time: its deadline is set here.
  auto t = st.cfg.skill_timeouts.find(j.skill);
  set_deadline(j, self->clock().now(),
               t != st.cfg.skill_timeouts.end() ? t->second
                                                : st.cfg.default_timeout);
  st.held_for_view.emplace_back(std::move(j), std::move(sink));
  return true;
}

void on_job(router_ptr self, job& j, result_sink_actor& sink);

// The first view came (or the wait for it ended): held jobs go their way.
void release_held_for_view(router_ptr self) {
  auto& st = self->state;
  st.has_view = true;
  auto jobs = std::move(st.held_for_view);
  st.held_for_view.clear();
  for (auto& [j, sink] : jobs)
    on_job(self, j, sink);
}

void on_job(router_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  // The job's correlation id, if its client chose none: from here on every
  // layer and member logs the job under it.
  if (j.options.trace == 0)
    j.options.trace = st.next_trace++;
  if (j.options.placed)
    log::about_job(log::actors(), spdlog::level::trace, j.options.trace,
                   "router: job {} of skill {} placed here by {}", j.id,
                   j.skill, j.options.origin);
  else
    log::about_job(log::actors(), spdlog::level::trace, j.options.trace,
                   "router: job {} of skill {}", j.id, j.skill);
  if (j.input.size() > st.cfg.max_job_bytes) {
    self->send(sink, reject(self, j, job_status::bad_input,
                            "input of " + std::to_string(j.input.size())
                              + " bytes exceeds max-job-bytes ("
                              + std::to_string(st.cfg.max_job_bytes) + ")"));
    return;
  }
  if (hold_for_view(self, j, sink) || route_to_key_owner(self, j, sink)
      || place_elsewhere(self, j, sink))
    return;
  auto i = st.targets.find(j.skill);
  if (i == st.targets.end()) {
    reject_unknown(self, j, sink);
    return;
  }
  if (!st.cfg.cached_skills.empty()) {
    auto c = st.cfg.cached_skills.find(j.skill);
    if (c != st.cfg.cached_skills.end()) {
      route_cached(self, c->second, j, i->second, sink);
      return;
    }
  }
  self->send(i->second, std::move(j), std::move(sink));
}

// -- cancellation -------------------------------------------------------------

// A client cancelled some of its jobs of `skill`. They can only be where a
// job of that skill goes from here, so the cancellation goes there and
// nowhere else: held here for the first view, at the skill's breaker or
// pool (a breaker cancels what it runs in its pool), at the cache shards
// when the skill is cached (a key needs the input, which a cancellation
// does not carry), and on the links to members offering the skill.
void on_cancel(router_ptr self, const std::string& skill,
               const std::vector<uint64_t>& ids,
               const result_sink_actor& sink) {
  auto& st = self->state;
  auto addr = sink.address();
  auto& held = st.held_for_view;
  for (auto i = held.begin(); i != held.end();) {
    if (i->second.address() == addr
        && std::find(ids.begin(), ids.end(), i->first.id) != ids.end()) {
      self->send(sink, reject(self, i->first, job_status::cancelled,
                              "cancelled by its client while it waited for "
                              "the cluster view"));
      i = held.erase(i);
    } else {
      ++i;
    }
  }
  if (auto b = st.cfg.breakers.find(skill); b != st.cfg.breakers.end())
    self->send(b->second, atom::cancel::value, ids, sink);
  else if (auto p = st.pools.find(skill); p != st.pools.end())
    self->send(p->second, atom::cancel::value, ids, sink);
  if (st.cfg.cached_skills.count(skill) > 0)
    for (auto& shard : st.cfg.cache_shards)
      self->send(shard, atom::cancel::value, ids, sink);
  for (auto& entry : st.links) {
    // Not a structured binding: clang (the fuzz build) cannot capture one.
    const auto& name = entry.first;
    auto m = std::find_if(st.members.begin(), st.members.end(),
                          [&](const member& x) {
                            return x.name == name;
                          });
    if (m == st.members.end() || m->offers(skill))
      self->send(entry.second.second, atom::cancel::value, ids, sink);
  }
}

// -- supervision --------------------------------------------------------------

// The router's last will: jobs submitted by request lose their way back
// (their results would come to this router), so their requesters get an
// answer now. Everything else it had not read goes on to its successor.
void answer_requests(router_ptr self) {
  auto& st = self->state;
  for (auto& [id, rq] : st.requests) {
    job_result r;
    r.id = rq.id;
    r.status = job_status::internal;
    r.error = "the router of node " + st.cfg.node_name
              + " ended before the job's result came back; resubmit it if "
                "running it twice is safe";
    r.node = st.cfg.node_name;
    rq.promise.deliver(std::move(r));
  }
  st.requests.clear();
}

// Jobs the router held for the first cluster view: in a node they go to its
// successor, which routes them again (sent to this incarnation, they reach
// the next); a router on its own answers them. Jobs of its own typed
// requests were answered above.
void hand_on_held(router_ptr self) {
  auto& st = self->state;
  auto me = self->address();
  for (auto& [j, sink] : st.held_for_view) {
    if (sink.address() == me)
      continue;
    if (st.cfg.supervised)
      self->send(self, std::move(j), std::move(sink));
    else
      self->send(sink, reject(self, j, job_status::internal,
                              "the router of node " + st.cfg.node_name
                                + " ended before the job started"));
  }
  st.held_for_view.clear();
}

} // namespace

router_actor::behavior_type
router(router_actor::stateful_pointer<router_state> self, router_config cfg,
       std::unordered_map<std::string, worker_pool_actor> pools) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.pools = std::move(pools);
  st.started = std::chrono::steady_clock::now();
  // Correlation ids of different nodes and runs start far apart, below
  // 2^52 so that JSON tools (which read numbers as doubles) keep them exact
  // however many jobs follow.
  st.next_trace = (base::mix64(base::fnv1a64(st.cfg.node_name)
                               ^ static_cast<uint64_t>(
                                 st.started.time_since_epoch().count()))
                   & ((uint64_t{1} << 52) - 1))
                  | 1;
  if (!st.cfg.cache_owner || st.cfg.cache_shards.empty())
    st.cfg.cached_skills.clear();
  std::vector<std::string> names;
  for (auto& [name, pool] : st.pools) {
    names.push_back(name);
    auto b = st.cfg.breakers.find(name);
    if (b == st.cfg.breakers.end()) {
      st.targets.emplace(name, pool);
      continue;
    }
    st.targets.emplace(name, b->second);
    // Fallback jobs run through the router like any job (in a node, the
    // breaker knows the router's registered name from the start).
    if (!st.cfg.supervised)
      self->send(b->second, caf::actor_cast<router_actor>(self));
  }
  std::sort(names.begin(), names.end());
  for (auto& n : names)
    st.skill_names += (st.skill_names.empty() ? "" : ", ") + n;
  self->set_default_handler(caf::drop);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& links = self->state.links;
    for (auto i = links.begin(); i != links.end(); ++i)
      if (i->second.second.address() == dm.source) {
        links.erase(i);
        return;
      }
  });
  // A restarted router knows no links to other members: the dispatcher
  // tells it the ready ones.
  if (st.cfg.dispatcher)
    self->send(st.cfg.dispatcher, atom::join::value);
  st.will = [self] {
    answer_requests(self);
    hand_on_held(self);
  };
  return {
    [self](job& j, result_sink_actor& sink) {
      on_job(self, j, sink);
    },
    [self](job& j) -> caf::result<job_result> {
      auto& st = self->state;
      auto rp = self->make_response_promise<job_result>();
      auto id = st.next_request++;
      st.requests.emplace(id, router_state::request{j.id, rp});
      j.id = id;
      auto sink = caf::actor_cast<result_sink_actor>(self);
      on_job(self, j, sink);
      return rp;
    },
    [self](job_result& r) {
      auto& st = self->state;
      auto i = st.requests.find(r.id);
      if (i == st.requests.end())
        return;
      auto rq = std::move(i->second);
      st.requests.erase(i);
      r.id = rq.id;
      rq.promise.deliver(std::move(r));
    },
    [self](atom::cancel, const std::string& skill,
           const std::vector<uint64_t>& ids, const result_sink_actor& sink) {
      on_cancel(self, skill, ids, sink);
    },
    [self](atom::tick) {
      if (!self->state.has_view && !self->state.held_for_view.empty())
        log::actors().warn("router: no cluster view in time; routing {} "
                           "held jobs without it",
                           self->state.held_for_view.size());
      release_held_for_view(self);
    },
    [self](cluster_view& v) {
      auto& st = self->state;
      st.members = std::move(v.members);
      learn_others_load(self);
      // Links to members that went away or restarted are stale.
      for (auto i = st.links.begin(); i != st.links.end();) {
        auto m = std::find_if(st.members.begin(), st.members.end(),
                              [&](const member& x) {
                                return x.name == i->first;
                              });
        if (m == st.members.end() || m->status == member_status::down
            || m->incarnation != i->second.first)
          i = st.links.erase(i);
        else
          ++i;
      }
      if (!st.has_view)
        release_held_for_view(self);
    },
    [self](atom::join, std::string& name, uint64_t incarnation,
           batcher_actor& link) {
      // Watched, so that an ended link is forgotten at once (jobs that
      // reach it meanwhile go back to the dispatcher, not into the void).
      self->monitor(link);
      self->state.links[name] = std::make_pair(incarnation, std::move(link));
    },
    [self](atom::health) {
      return health_report{self->mailbox().size(), self->state.requests.size()};
    },
    [self](atom::breaker, const std::string& skill, breaker_command cmd) {
      return command_breaker(self, skill, cmd);
    },
    [self](atom::skills) {
      auto rp = self->make_response_promise<skill_list>();
      gather_skills(self, [rp](std::vector<skill_info> infos) mutable {
        rp.deliver(skill_list{std::move(infos)});
      });
      return rp;
    },
    [self](atom::status) {
      auto rp = self->make_response_promise<node_status>();
      gather_skills(self, [self, rp](std::vector<skill_info> infos) mutable {
        auto& st = self->state;
        node_status out;
        out.name = st.cfg.node_name;
        out.address = st.cfg.address;
        out.version = config::version;
        out.uptime_ms = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - st.started)
            .count());
        for (auto& s : infos)
          out.in_flight += s.in_flight;
        out.skills = std::move(infos);
        if (st.cfg.metrics)
          out.counts = st.cfg.metrics->counts();
        gather_cache(self, [self, out = std::move(out),
                            rp](cache_status cache) mutable {
          out.cache = std::move(cache);
          gather_breakers(self, [out = std::move(out),
                                 rp](std::vector<breaker_status> all) mutable {
            out.breakers = std::move(all);
            rp.deliver(std::move(out));
          });
        });
      });
      return rp;
    },
  };
}

} // namespace troupe::ingress
