#include "cluster/dispatcher.hpp"

#include "actors/batcher.hpp"
#include "cluster/gateway_connect.hpp"
#include "cluster/placement.hpp"
#include "config/logging.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace troupe {

namespace {

using self_ptr = dispatcher_actor::stateful_pointer<dispatcher_state>;

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

// `j` was lost with member `from`: place it again, or end it NODE_LOST.
void fail_over(self_ptr self, const std::string& from, const std::string& why,
               job j, result_sink_actor sink) {
  auto& st = self->state;
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
  log::cluster().debug("dispatcher: a job of skill {} moves from {} to {}",
                       j.skill, from, *next);
  ++st.failed_over;
  j.options.max_attempts = left;
  send_to(self, *next, std::move(j), std::move(sink));
}

void drop_link(self_ptr self, const std::string& name, const std::string& why) {
  auto& st = self->state;
  auto i = st.links.find(name);
  if (i == st.links.end())
    return;
  auto waiting = std::move(i->second.waiting);
  if (i->second.batcher)
    // Its jobs come back for failover.
    self->send(i->second.batcher, atom::leave::value, why);
  st.links.erase(i);
  for (auto& [j, sink] : waiting)
    fail_over(self, name, why, std::move(j), std::move(sink));
}

void connect(self_ptr self, const member& m) {
  auto& st = self->state;
  auto& l = st.links[m.name];
  l.connecting = true;
  l.address = m.address;
  l.incarnation = m.incarnation;
  auto name = m.name;
  auto incarnation = m.incarnation;
  connect_gateway(
    self, m.address, st.cfg.connect_timeout,
    [self, name, incarnation](gateway_actor gw) {
      auto& st = self->state;
      auto i = st.links.find(name);
      if (i == st.links.end() || i->second.incarnation != incarnation)
        return; // the member changed meanwhile
      auto& l = i->second;
      l.connecting = false;
      batcher_config bc;
      bc.destination_name = name;
      bc.node_name = st.cfg.self;
      bc.limits = st.cfg.limits;
      bc.default_timeout = st.cfg.default_timeout;
      bc.metrics = st.cfg.metrics;
      bc.failover = caf::actor_cast<failover_actor>(self);
      l.batcher = self->spawn<caf::linked>(batcher, std::move(gw), bc);
      // From now on the router sends to this link directly.
      if (st.cfg.router)
        self->send(st.cfg.router, atom::join::value, name, incarnation,
                   l.batcher);
      auto waiting = std::move(l.waiting);
      for (auto& [j, sink] : waiting)
        self->send(l.batcher, std::move(j), std::move(sink));
    },
    [self, name](const std::string& why) {
      auto& st = self->state;
      auto i = st.links.find(name);
      if (i == st.links.end())
        return;
      log::cluster().warn("dispatcher: {}", why);
      auto waiting = std::move(i->second.waiting);
      st.links.erase(i);
      for (auto& [j, sink] : waiting)
        fail_over(self, name, why, std::move(j), std::move(sink));
    });
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
    fail_over(self, target, "it is not up", std::move(j), std::move(sink));
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
  auto& l = st.links[target];
  l.waiting.emplace_back(std::move(j), std::move(sink));
  if (!l.connecting)
    connect(self, *m);
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
}

// A batcher handing back jobs has lost its destination: the next job for
// that member connects again (to a restarted gateway, if the member is
// still up) instead of going to the broken link.
void forget_broken_link(self_ptr self, const std::string& member) {
  auto& st = self->state;
  auto i = st.links.find(member);
  auto sender = self->current_sender();
  if (i == st.links.end() || !i->second.batcher || !sender
      || sender->address() != i->second.batcher.address())
    return;
  auto waiting = std::move(i->second.waiting);
  self->unlink_from(i->second.batcher);
  self->send_exit(i->second.batcher, caf::exit_reason::user_shutdown);
  st.links.erase(i);
  for (auto& [j, sink] : waiting)
    self->send(self, atom::run::value, member, std::move(j), std::move(sink));
}

void on_child_event(self_ptr self, child_event& ev) {
  auto sender = self->current_sender();
  if (!sender || sender->node() != self->node() || !ev.handle)
    return;
  if (ev.path == tree_path::router)
    self->state.cfg.router = caf::actor_cast<router_actor>(ev.handle);
  else if (ev.path == tree_path::membership)
    self->send(caf::actor_cast<membership_actor>(ev.handle),
               atom::subscribe::value,
               caf::actor_cast<view_listener_actor>(self));
}

} // namespace

dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           dispatcher_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_default_handler(caf::drop);
  if (self->state.cfg.tree)
    self->send(self->state.cfg.tree, atom::watch::value,
               caf::actor_cast<caf::actor>(self));
  return {
    [self](atom::run, std::string& target, job& j, result_sink_actor& sink) {
      if (j.options.max_attempts == 0)
        j.options.max_attempts = default_cluster_attempts;
      send_to(self, target, std::move(j), std::move(sink));
    },
    [self](cluster_view& v) {
      on_view(self, v);
    },
    [self](router_actor& r) {
      self->state.cfg.router = std::move(r);
    },
    [self](atom::leave, std::string& member, std::string& why, job& j,
           result_sink_actor& sink) {
      forget_broken_link(self, member);
      fail_over(self, member, why, std::move(j), std::move(sink));
    },
    [self](child_event& ev) {
      on_child_event(self, ev);
    },
    [self](atom::health) {
      uint64_t waiting = 0;
      for (auto& [name, l] : self->state.links)
        waiting += l.waiting.size();
      return health_report{self->mailbox().size(), waiting};
    },
  };
}

} // namespace troupe
