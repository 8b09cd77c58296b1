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

result_sink_actor as_sink(self_ptr self) {
  return caf::actor_cast<result_sink_actor>(self);
}

void deliver(self_ptr self, uint64_t id, job_result r) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  r.id = i->second.client_id;
  if (r.attempts < i->second.attempts)
    r.attempts = i->second.attempts;
  self->send(i->second.sink, std::move(r));
  st.jobs.erase(i);
}

void lost(self_ptr self, uint64_t id, std::string error) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  job_result r;
  r.status = job_status::node_lost;
  r.error = std::move(error);
  r.skill = i->second.j.skill;
  r.node = st.cfg.self;
  deliver(self, id, std::move(r));
}

void send_to_target(self_ptr self, uint64_t id);

// The job's member was lost: place it again, or end it NODE_LOST.
void fail_over(self_ptr self, uint64_t id, const std::string& why) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto& c = i->second;
  auto first = "member " + c.target + " was lost (" + why + ")";
  c.tried.insert(c.target);
  bool idempotent = false;
  for (auto& m : st.members)
    if (auto* s = placement::find_skill(m, c.j.skill)) {
      idempotent = s->idempotent;
      break;
    }
  auto max_attempts = c.j.options.max_attempts > 0 ? c.j.options.max_attempts
                                                   : 2u;
  if (!idempotent) {
    lost(self, id,
         first + "; not retried: skill '" + c.j.skill + "' is not idempotent");
    return;
  }
  if (c.attempts >= max_attempts) {
    lost(self, id,
         first + "; attempts: " + std::to_string(c.attempts) + " of "
           + std::to_string(max_attempts));
    return;
  }
  auto next = placement::choose(st.members, st.cfg.self, c.j.skill, c.tried);
  if (!next) {
    lost(self, id,
         first + " and no other member offers skill '" + c.j.skill + "'");
    return;
  }
  log::cluster().info("dispatcher: job of skill {} moves from {} to {}: {}",
                      c.j.skill, c.target, *next, why);
  ++st.failed_over;
  c.target = *next;
  send_to_target(self, id);
}

void forward(self_ptr self, uint64_t id, const batcher_actor& link) {
  auto& c = self->state.jobs.at(id);
  job j = c.j;
  j.id = id;
  j.options.placed = true;
  ++self->state.sent;
  self->send(link, std::move(j), as_sink(self));
}

void drop_link(self_ptr self, const std::string& name, const std::string& why) {
  auto& st = self->state;
  auto i = st.links.find(name);
  if (i == st.links.end())
    return;
  auto waiting = std::move(i->second.waiting);
  if (i->second.batcher)
    // Its jobs come back NODE_LOST and fail over from there.
    self->send(i->second.batcher, atom::leave::value, why);
  st.links.erase(i);
  for (auto id : waiting)
    fail_over(self, id, why);
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
      l.batcher = self->spawn<caf::linked>(batcher, std::move(gw), bc);
      auto waiting = std::move(l.waiting);
      for (auto id : waiting)
        if (st.jobs.count(id) > 0)
          forward(self, id, l.batcher);
    },
    [self, name](const std::string& why) {
      auto& st = self->state;
      auto i = st.links.find(name);
      if (i == st.links.end())
        return;
      log::cluster().warn("dispatcher: {}", why);
      auto waiting = std::move(i->second.waiting);
      st.links.erase(i);
      for (auto id : waiting)
        fail_over(self, id, why);
    });
}

void send_to_target(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto& c = st.jobs.at(id);
  ++c.attempts;
  if (c.target == st.cfg.self) {
    job j = c.j;
    j.id = id;
    j.options.placed = true;
    self->send(st.cfg.router, std::move(j), as_sink(self));
    return;
  }
  auto* m = find_member(st.members, c.target);
  if (m == nullptr || m->status != member_status::up) {
    fail_over(self, id, "it is not up");
    return;
  }
  auto i = st.links.find(c.target);
  if (i != st.links.end() && i->second.incarnation != m->incarnation) {
    drop_link(self, c.target, "member " + c.target + " restarted");
    i = st.links.end();
  }
  if (i != st.links.end() && i->second.batcher) {
    forward(self, id, i->second.batcher);
    return;
  }
  auto target = c.target;
  st.links[target].waiting.push_back(id);
  if (!st.links[target].connecting)
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

} // namespace

dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           dispatcher_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_default_handler(caf::drop);
  return {
    [self](atom::run, std::string& target, job& j, result_sink_actor& sink) {
      auto& st = self->state;
      auto id = st.next_id++;
      auto client_id = j.id;
      st.jobs.emplace(
        id,
        dispatcher_state::carried{
          std::move(j), std::move(sink), client_id, std::move(target), {}, 0});
      send_to_target(self, id);
    },
    [self](job_result& r) {
      if (r.status == job_status::node_lost) {
        auto why = r.error;
        fail_over(self, r.id, why);
        return;
      }
      deliver(self, r.id, std::move(r));
    },
    [self](cluster_view& v) {
      on_view(self, v);
    },
    [self](router_actor& r) {
      self->state.cfg.router = std::move(r);
    },
  };
}

} // namespace troupe
