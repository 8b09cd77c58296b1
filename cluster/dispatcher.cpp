#include "cluster/dispatcher.hpp"

#include "actors/base/diverting_actor.hpp"
#include "actors/log/logging.hpp"
#include "cluster/gateway_connect.hpp"
#include "cluster/placement.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace troupe::cluster {

namespace {

using self_ptr = dispatcher_actor::stateful_pointer<dispatcher_state>;
using clock_type = std::chrono::steady_clock;

const member* find_member(const std::vector<member>& ms,
                          const std::string& name) {
  for (auto& m : ms)
    if (m.name == name)
      return &m;
  return nullptr;
}

void lost(self_ptr self, const job& j, const result_sink_actor& sink,
          std::string error) {
  auto r = make_failure(j, job_status::node_lost, std::move(error));
  r.node = self->state.cfg.self;
  self->send(sink, std::move(r));
}

void send_to(self_ptr self, const std::string& target, job j,
             result_sink_actor sink);

// The backoff of member `name` after failed connection attempts, if any
// (forgotten for a new run of the member).
dispatcher_state::backoff* backoff_of(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto i = st.unreachable.find(name);
  if (i == st.unreachable.end())
    return nullptr;
  auto* m = find_member(st.members, name);
  if (m == nullptr || m->incarnation != i->second.incarnation) {
    st.unreachable.erase(i);
    return nullptr;
  }
  return &i->second;
}

// Whether member `name` had a connection attempt fail so recently that it
// is not tried again yet.
bool backing_off(self_ptr self, const std::string& name) {
  auto* b = backoff_of(self, name);
  return b != nullptr && clock_type::now() < b->retry_at;
}

// Whether member `name` failed so many connection attempts in a row that
// jobs stop waiting for it.
bool given_up(self_ptr self, const std::string& name) {
  auto* b = backoff_of(self, name);
  return b != nullptr && b->failures >= self->state.cfg.reconnect_attempts
         && clock_type::now() < b->retry_at;
}

// A job that never left this node for `from`: it cannot have run there, so
// it goes anywhere else that offers its skill, or waits for `from` while
// that member is up and may still be reached.
void place_unsent(self_ptr self, const std::string& from,
                  const std::string& why, job j, result_sink_actor sink) {
  auto& st = self->state;
  if (auto next = placement::choose(st.members, st.cfg.self, j.skill, {from})) {
    log::about_job(log::cluster(), spdlog::level::debug, j.options.trace,
                   "dispatcher: a job of skill {} for {} goes to {}", j.skill,
                   from, *next);
    send_to(self, *next, std::move(j), std::move(sink));
    return;
  }
  auto* m = find_member(st.members, from);
  if (m != nullptr && m->status == member_status::up && !given_up(self, from)) {
    send_to(self, from, std::move(j), std::move(sink));
    return;
  }
  lost(self, j, sink,
       "member " + from + " could not be reached (" + why
         + ") and no other member offers skill '" + j.skill
         + "'; the job never left node " + st.cfg.self);
}

// `j` was lost with member `from`: place it again, or end it NODE_LOST.
void fail_over(self_ptr self, const std::string& from, const std::string& why,
               bool sent, job j, result_sink_actor sink) {
  auto& st = self->state;
  if (!sent) {
    place_unsent(self, from, why, std::move(j), std::move(sink));
    return;
  }
  auto first = "member " + from + " was lost (" + why + ")";
  // A job sent to its cache key's owner is retried like an idempotent one:
  // only skills whose output depends on nothing but their input cache, so
  // running one again is safe, and losing a cache owner must never lose a
  // job.
  bool idempotent = false;
  for (auto& m : st.members)
    if (auto* s = placement::find_skill(m, j.skill))
      idempotent = idempotent || s->idempotent
                   || (j.options.cache_lookup && s->cached);
  if (!idempotent) {
    lost(self, j, sink,
         first + "; not retried: skill '" + j.skill + "' is not idempotent");
    return;
  }
  // The lost attempt counts.
  auto left = j.options.max_attempts > 0 ? j.options.max_attempts - 1 : 0;
  if (left == 0) {
    lost(self, j, sink, first + "; no attempts left");
    return;
  }
  auto next = placement::choose(st.members, st.cfg.self, j.skill, {from});
  if (!next) {
    lost(self, j, sink,
         first + " and no other member offers skill '" + j.skill + "'");
    return;
  }
  log::about_job(log::cluster(), spdlog::level::debug, j.options.trace,
                 "dispatcher: a job of skill {} moves from {} to {}", j.skill,
                 from, *next);
  ++st.failed_over;
  j.options.max_attempts = left;
  send_to(self, *next, std::move(j), std::move(sink));
}

// Ends the link to `name`: the batcher hands back what it holds (and
// whatever reaches it later) for failover.
void drop_link(self_ptr self, const std::string& name, const std::string& why) {
  auto& st = self->state;
  auto i = st.links.find(name);
  if (i == st.links.end())
    return;
  auto waiting = std::move(i->second.waiting);
  if (auto b = i->second.batcher) {
    self->send(b, atom::leave::value, why);
    self->unlink_from(b);
    self->send_exit(b, caf::exit_reason::user_shutdown);
  }
  st.links.erase(i);
  for (auto& [j, sink] : waiting)
    fail_over(self, name, why, false, std::move(j), std::move(sink));
}

void connect_failed(self_ptr self, const std::string& name,
                    uint64_t incarnation, const std::string& why) {
  auto& st = self->state;
  auto& b = st.unreachable[name];
  if (b.incarnation != incarnation)
    b = dispatcher_state::backoff{incarnation, {}, caf::timespan{0}, 0, {}};
  b.delay = b.delay == caf::timespan{0}
              ? st.cfg.reconnect_backoff
              : std::min(b.delay * 2, st.cfg.reconnect_backoff_max);
  b.retry_at = clock_type::now() + b.delay;
  ++b.failures;
  b.why = why;
}

void fail_connect(self_ptr self, const std::string& name, uint64_t incarnation,
                  const std::string& why);

void connect(self_ptr self, const member& m) {
  auto& st = self->state;
  auto& l = st.links[m.name];
  l.connecting = true;
  l.address = m.address;
  l.incarnation = m.incarnation;
  auto name = m.name;
  auto incarnation = m.incarnation;
  connect_gateway(
    self, st.cfg.links, m.address, m.name, st.cfg.connect_timeout,
    [self, name, incarnation](gateway_actor gw) {
      auto& st = self->state;
      auto i = st.links.find(name);
      if (i == st.links.end() || i->second.incarnation != incarnation)
        return; // the member changed meanwhile
      if (auto e = st.ended_gateways.find(name); e != st.ended_gateways.end()) {
        if (e->second == gw.address()) {
          fail_connect(self, name, incarnation,
                       "the gateway of " + name
                         + " ended and its successor does not answer yet");
          return;
        }
        st.ended_gateways.erase(e);
      }
      st.unreachable.erase(name);
      auto& l = i->second;
      l.connecting = false;
      l.gateway = gw.address();
      link::batcher_config bc;
      bc.destination_name = name;
      bc.node_name = st.cfg.self;
      bc.limits = st.cfg.limits;
      bc.default_timeout = st.cfg.default_timeout;
      bc.metrics = st.cfg.metrics;
      bc.load = st.cfg.load;
      bc.failover = caf::actor_cast<failover_actor>(self);
      l.batcher = spawn_link(self, std::move(gw), bc);
      // From now on the router sends to this link directly.
      if (st.cfg.router)
        self->send(st.cfg.router, atom::join::value, name, incarnation,
                   l.batcher);
      auto waiting = std::move(l.waiting);
      for (auto& [j, sink] : waiting)
        self->send(l.batcher, std::move(j), std::move(sink));
    },
    [self, name, incarnation](const std::string& why) {
      fail_connect(self, name, incarnation, why);
    });
}

// A connection attempt to member `name` failed: its waiting jobs go
// elsewhere, and the member is not tried again for a while.
void fail_connect(self_ptr self, const std::string& name, uint64_t incarnation,
                  const std::string& why) {
  auto& st = self->state;
  auto i = st.links.find(name);
  if (i == st.links.end() || i->second.incarnation != incarnation)
    return;
  log::cluster().warn("dispatcher: {}", why);
  connect_failed(self, name, incarnation, why);
  auto waiting = std::move(i->second.waiting);
  st.links.erase(i);
  for (auto& [j, sink] : waiting)
    fail_over(self, name, why, false, std::move(j), std::move(sink));
}

void send_to(self_ptr self, const std::string& target, job j,
             result_sink_actor sink) {
  auto& st = self->state;
  j.options.placed = true;
  if (target == st.cfg.self) {
    self->send(st.cfg.router, std::move(j), std::move(sink));
    return;
  }
  auto* m = find_member(st.members, target);
  if (m == nullptr || m->status != member_status::up) {
    place_unsent(self, target, "it is not up", std::move(j), std::move(sink));
    return;
  }
  auto i = st.links.find(target);
  if (i != st.links.end() && i->second.incarnation != m->incarnation) {
    drop_link(self, target, "member " + target + " restarted");
    i = st.links.end();
  }
  if (i != st.links.end() && i->second.batcher) {
    self->send(i->second.batcher, std::move(j), std::move(sink));
    return;
  }
  if (i == st.links.end() && given_up(self, target)) {
    auto why = st.unreachable[target].why;
    place_unsent(self, target, why, std::move(j), std::move(sink));
    return;
  }
  auto& l = st.links[target];
  l.address = m->address;
  l.incarnation = m->incarnation;
  l.waiting.emplace_back(std::move(j), std::move(sink));
  if (l.connecting || l.retry_armed)
    return;
  if (backing_off(self, target)) {
    // One connection attempt per backoff period, not one per job.
    l.retry_armed = true;
    auto wait = st.unreachable[target].retry_at - clock_type::now();
    self->delayed_send(
      self,
      std::max(caf::timespan{0},
               std::chrono::duration_cast<caf::timespan>(wait)),
      atom::restart::value, target);
    return;
  }
  connect(self, *m);
}

// A backoff after a failed attempt ended: try the member again.
void retry_link(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto i = st.links.find(name);
  if (i == st.links.end() || !i->second.retry_armed)
    return;
  i->second.retry_armed = false;
  auto* m = find_member(st.members, name);
  if (m == nullptr || m->status != member_status::up
      || m->incarnation != i->second.incarnation) {
    drop_link(self, name, "member " + name + " is not up any more");
    return;
  }
  connect(self, *m);
}

// Jobs that came before the first view go their way now.
void release_early_jobs(self_ptr self) {
  auto& st = self->state;
  st.has_view = true;
  auto early = std::move(st.early);
  st.early.clear();
  for (auto& x : early)
    if (x.from.empty())
      send_to(self, x.target_or_why, std::move(x.j), std::move(x.sink));
    else
      fail_over(self, x.from, x.target_or_why, x.sent, std::move(x.j),
                std::move(x.sink));
}

// Keeps a job until the first view, unless too many wait already.
bool hold_for_view(self_ptr self, dispatcher_state::early_job x) {
  auto& st = self->state;
  if (st.has_view || st.early.size() >= 100'000)
    return false;
  if (st.early.empty())
    self->delayed_send(self, st.cfg.view_timeout, atom::tick::value);
  // The wait counts against the job's time.
  set_deadline(x.j, self->clock().now(), st.cfg.default_timeout);
  st.early.push_back(std::move(x));
  return true;
}

void on_view(self_ptr self, cluster_view& v) {
  auto& st = self->state;
  st.members = std::move(v.members);
  std::vector<std::pair<std::string, std::string>> gone;
  for (auto& [name, l] : st.links) {
    auto* m = find_member(st.members, name);
    if (m == nullptr)
      gone.emplace_back(name, "member " + name + " was forgotten");
    else if (m->status == member_status::down)
      gone.emplace_back(name, "member " + name + " is down");
    else if (m->incarnation != l.incarnation)
      gone.emplace_back(name, "member " + name + " restarted");
  }
  for (auto& [name, why] : gone)
    drop_link(self, name, why);
  for (auto i = st.ended_gateways.begin(); i != st.ended_gateways.end();) {
    if (find_member(st.members, i->first) == nullptr)
      i = st.ended_gateways.erase(i);
    else
      ++i;
  }
  for (auto i = st.unreachable.begin(); i != st.unreachable.end();) {
    auto* m = find_member(st.members, i->first);
    if (m == nullptr || m->incarnation != i->second.incarnation)
      i = st.unreachable.erase(i);
    else
      ++i;
  }
  if (!st.has_view)
    release_early_jobs(self);
}

// A batcher handing back jobs has lost its destination: it ends (whatever
// still reaches it comes back here), and the next job for that member
// connects again (to a restarted gateway, if the member is still up).
void forget_broken_link(self_ptr self, const std::string& member) {
  auto& st = self->state;
  auto i = st.links.find(member);
  auto sender = self->current_sender();
  if (i == st.links.end() || !i->second.batcher || !sender
      || sender->address() != i->second.batcher.address())
    return;
  auto waiting = std::move(i->second.waiting);
  st.ended_gateways[member] = i->second.gateway;
  self->unlink_from(i->second.batcher);
  self->send_exit(i->second.batcher, caf::exit_reason::user_shutdown);
  st.links.erase(i);
  for (auto& [j, sink] : waiting)
    self->send(self, atom::run::value, member, std::move(j), std::move(sink));
}

// A router that (re)started knows no links: it asks, and hears of the
// ready ones.
void tell_router_links(self_ptr self) {
  auto& st = self->state;
  if (!st.cfg.router)
    return;
  for (auto& [name, l] : st.links)
    if (l.batcher)
      self->send(st.cfg.router, atom::join::value, name, l.incarnation,
                 l.batcher);
}

} // namespace

batcher_actor spawn_link(caf::local_actor* parent, gateway_actor destination,
                         link::batcher_config cfg) {
  using impl = base::diverting_actor<batcher_actor, link::batcher_state>;
  auto failover = cfg.failover;
  auto name = cfg.destination_name;
  base::divert_fn divert = [failover, name](caf::mailbox_element_ptr& x,
                                            const caf::actor_addr&) {
    auto& msg = x->content();
    if (!failover || !msg.match_elements<job, result_sink_actor>())
      return false;
    caf::anon_send(failover, atom::leave::value, name,
                   "the link to " + name + " ended", false,
                   msg.move_if_unshared<job>(0),
                   msg.move_if_unshared<result_sink_actor>(1));
    return true;
  };
  impl::init_fn init = [destination = std::move(destination),
                        cfg = std::move(cfg)](impl::pointer self) {
    return batcher(self, destination, cfg);
  };
  return parent->spawn<impl, caf::linked>(std::move(init), std::move(divert));
}

dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           dispatcher_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_default_handler(caf::drop);
  return {
    [self](atom::run, std::string& target, job& j, result_sink_actor& sink) {
      if (j.options.max_attempts == 0)
        j.options.max_attempts = default_cluster_attempts;
      if (hold_for_view(self, {{}, target, false, j, sink}))
        return;
      send_to(self, target, std::move(j), std::move(sink));
    },
    [self](cluster_view& v) {
      on_view(self, v);
    },
    [self](atom::join) {
      tell_router_links(self);
    },
    [self](atom::leave, std::string& member, std::string& why, bool sent,
           job& j, result_sink_actor& sink) {
      forget_broken_link(self, member);
      if (hold_for_view(self, {member, why, sent, j, sink}))
        return;
      fail_over(self, member, why, sent, std::move(j), std::move(sink));
    },
    [self](atom::tick) {
      if (!self->state.has_view && !self->state.early.empty()) {
        log::cluster().warn(
          "dispatcher: no cluster view after {} ms; "
          "placing {} jobs without it",
          std::chrono::duration_cast<std::chrono::milliseconds>(
            self->state.cfg.view_timeout)
            .count(),
          self->state.early.size());
        release_early_jobs(self);
      }
    },
    [self](atom::restart, const std::string& member) {
      retry_link(self, member);
    },
    [self](atom::health) {
      uint64_t waiting = 0;
      for (auto& [name, l] : self->state.links)
        waiting += l.waiting.size();
      return health_report{self->mailbox().size(), waiting};
    },
  };
}

} // namespace troupe::cluster
