#include "cluster/membership.hpp"

#include "actors/log/logging.hpp"
#include "cluster/gateway_connect.hpp"
#include "messages/errors.hpp"
#include "messages/wire/member_codec.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <utility>

namespace troupe::cluster {

namespace {

using self_ptr = membership_actor::stateful_pointer<membership_state>;
using wire::member_codec::cluster_message;
using wire::member_codec::cluster_reply;
using clock_type = membership_state::clock;

// Heartbeats between probes of down members.
constexpr uint64_t probe_every = 4;

std::string millis(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + " ms";
}

// The timeout of a gossip or join request: a peer must answer well within
// the failure detector's window.
caf::timespan request_timeout(const membership_state& st) {
  return std::min(st.cfg.cluster.down_after / 2,
                  caf::timespan{std::chrono::seconds(2)});
}

cluster_view current_view(const membership_state& st) {
  return cluster_view{st.view->self().name, st.view->members()};
}

void notify(self_ptr self) {
  auto& st = self->state;
  if (!st.dirty)
    return;
  st.dirty = false;
  auto v = current_view(st);
  if (st.cfg.metrics)
    st.cfg.metrics->members(v.members);
  for (auto& l : st.listeners)
    self->send(l, v);
}

cluster_message gossip_message(const membership_state& st) {
  cluster_message msg;
  msg.kind = cluster_message::gossip;
  msg.from = st.view->self().name;
  msg.from_incarnation = st.view->self().incarnation;
  msg.members = st.view->members();
  return msg;
}

void drop_peer(self_ptr self, const std::string& name) {
  auto i = self->state.peers.find(name);
  if (i == self->state.peers.end())
    return;
  if (i->second.gateway)
    self->demonitor(i->second.gateway.address());
  self->state.peers.erase(i);
}

void connect(self_ptr self, const member& m);

// Merges a peer's view and records direct contact with the peer itself.
void absorb(self_ptr self, const std::string& from,
            const std::vector<member>& members) {
  auto& st = self->state;
  auto now = clock_type::now();
  auto& view = *st.view;
  for (auto& m : members) {
    auto known = view.find(m.name);
    auto was_live = known != nullptr && known->status != member_status::down
                    && known->status != member_status::leaving;
    if (view.merge(m, now)) {
      st.dirty = true;
      auto* cur = view.find(m.name);
      if (cur != nullptr && cur->status == member_status::up
          && (known == nullptr || !was_live)) {
        log::cluster().info("membership {}: {} ({}) is up", view.self().name,
                            m.name, m.address);
        // Watched from the moment it is accepted: a member that dies right
        // after joining is noticed by its broken connection, not only by
        // the heartbeat timeout.
        if (cur->name != view.self().name)
          connect(self, *cur);
      }
      if (cur != nullptr && was_live && cur->status == member_status::leaving)
        log::cluster().info("membership {}: {} left", view.self().name, m.name);
    }
    if (m.name == from)
      view.heard_from(from, m.incarnation, now);
  }
}

void connect(self_ptr self, const member& m) {
  auto& st = self->state;
  auto& p = st.peers[m.name];
  if (p.connecting || (p.gateway && p.incarnation == m.incarnation))
    return;
  p.connecting = true;
  p.address = m.address;
  auto name = m.name;
  auto incarnation = m.incarnation;
  connect_gateway(
    self, st.cfg.links, m.address, m.name, request_timeout(st),
    [self, name, incarnation](gateway_actor gw) {
      auto& p = self->state.peers[name];
      p.connecting = false;
      if (p.gateway)
        self->demonitor(p.gateway.address());
      p.gateway = std::move(gw);
      p.incarnation = incarnation;
      // A broken connection is the fastest sign of a dead peer.
      self->monitor(p.gateway);
    },
    [self, name](const std::string& why) {
      self->state.peers[name].connecting = false;
      log::cluster().debug("membership: cannot connect to {}: {}", name, why);
    });
}

void gossip_with(self_ptr self, const std::string& name,
                 const gateway_actor& gw) {
  auto& st = self->state;
  auto sent = clock_type::now();
  self
    ->request(gw, request_timeout(st), atom::cluster::value,
              wire::member_codec::encode(gossip_message(st)))
    .then(
      [self, name, sent](std::string& bytes) {
        if (self->state.cfg.metrics)
          self->state.cfg.metrics->heartbeat_rtt(clock_type::now() - sent);
        auto reply = wire::member_codec::decode_reply(bytes);
        if (!reply || reply->refused) {
          log::cluster().debug("membership: bad gossip reply from {}", name);
          return;
        }
        absorb(self, name, reply->members);
        notify(self);
      },
      [name](caf::error& err) {
        // Silence is handled by the failure detector.
        log::cluster().debug("membership: no gossip reply from {}: {}", name,
                             describe(err));
      });
}

// The node's own figures for the next heartbeat: its load is read from the
// counters its pools keep (no message to anyone); its health score is asked
// of the health monitor, whose answer comes with a later beat.
void sample_load(self_ptr self) {
  auto& st = self->state;
  auto skills = st.cfg.load.sample(clock_type::now());
  st.view->update_self(std::move(skills), st.cfg.load.jobs_per_second(),
                       st.health_score);
  if (st.cfg.health)
    self
      ->request(st.cfg.health, st.cfg.cluster.heartbeat_interval,
                atom::status::value)
      .then(
        [self](health_status& h) {
          self->state.health_score = h.score;
        },
        [](caf::error&) {
          // Restarting or busy: the last score stands until the next beat.
        });
}

void try_seeds(self_ptr self);

// A tick much later than its interval means this node was stalled (stopped
// with SIGSTOP, starved of CPU, swapped out): whatever it did not hear
// meanwhile is its own fault, not its peers'.
void notice_own_stall(self_ptr self, clock_type::time_point now) {
  auto& st = self->state;
  auto last = std::exchange(st.last_tick, now);
  auto interval = st.cfg.cluster.heartbeat_interval;
  if (last == clock_type::time_point{} || now - last <= 2 * interval)
    return;
  auto stalled = now - last - interval;
  log::cluster().warn(
    "membership {}: this node did not run for {}; that "
    "silence does not count against its peers",
    st.view->self().name,
    millis(std::chrono::duration_cast<caf::timespan>(stalled)));
  st.view->suspend_judgement(now, stalled);
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  auto& view = *st.view;
  auto now = clock_type::now();
  self->delayed_send(self, st.cfg.cluster.heartbeat_interval,
                     atom::tick::value);
  notice_own_stall(self, now);
  sample_load(self);
  if (st.joining && st.retry_join) {
    st.retry_join = false;
    try_seeds(self);
  }
  if (view.self_declared_down()) {
    auto incarnation = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count());
    incarnation = std::max(incarnation, view.self().incarnation + 1);
    log::cluster().warn("membership {}: peers declared this node down; "
                        "rejoining as a new incarnation",
                        view.self().name);
    view.reincarnate(incarnation);
    if (st.cfg.incarnation)
      st.cfg.incarnation->store(incarnation);
    st.dirty = true;
  }
  for (auto& name : view.detect_failures(now, st.cfg.cluster.down_after)) {
    log::cluster().warn("membership {}: {} is down (no heartbeat for {})",
                        view.self().name, name,
                        millis(st.cfg.cluster.down_after));
    drop_peer(self, name);
    st.dirty = true;
  }
  if (view.prune(now, st.cfg.cluster.forget_after) > 0)
    st.dirty = true;
  // Down members (not yet forgotten) are probed now and then: one that was
  // only silent for a while answers, learns from our view that it was
  // declared down and comes back under a new incarnation.
  auto probe = ++st.ticks % probe_every == 0;
  for (auto& m : view.members()) {
    if (m.name == view.self().name || m.address == view.self().address)
      continue;
    if (m.status == member_status::leaving
        || (m.status == member_status::down && !probe))
      continue;
    auto i = st.peers.find(m.name);
    if (i != st.peers.end() && i->second.gateway
        && i->second.incarnation == m.incarnation)
      gossip_with(self, m.name, i->second.gateway);
    else
      connect(self, m);
  }
  notify(self);
}

// -- joining ------------------------------------------------------------------

void finish_join(self_ptr self, caf::error err) {
  auto& st = self->state;
  st.joining = false;
  if (!err)
    st.joined = true;
  for (auto& rp : st.join_waiters) {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(true);
  }
  st.join_waiters.clear();
}

void retry_join_later(self_ptr self) {
  auto& st = self->state;
  if (clock_type::now() >= st.join_deadline) {
    std::string seeds;
    for (auto& s : st.cfg.cluster.seeds)
      seeds += (seeds.empty() ? "" : ", ") + s;
    finish_join(
      self, caf::make_error(error_code::node_unreachable,
                            "cannot join the cluster: no seed node (" + seeds
                              + ") answered within "
                              + millis(st.cfg.cluster.join_timeout)
                              + (st.last_join_error.empty()
                                   ? std::string{}
                                   : "; last error: " + st.last_join_error)));
    return;
  }
  // The next heartbeat tries the seeds again.
  st.retry_join = true;
}

void join_through(self_ptr self, const std::string& seed,
                  const gateway_actor& gw, std::shared_ptr<size_t> pending) {
  auto& st = self->state;
  cluster_message msg;
  msg.kind = cluster_message::join;
  msg.from = st.view->self().name;
  msg.from_incarnation = st.view->self().incarnation;
  msg.members.push_back(st.view->self());
  self
    ->request(gw, request_timeout(st), atom::cluster::value,
              wire::member_codec::encode(msg))
    .then(
      [self, seed, gw, pending](std::string& bytes) {
        auto& st = self->state;
        if (!st.joining)
          return;
        auto reply = wire::member_codec::decode_reply(bytes);
        if (!reply) {
          st.last_join_error = seed + " sent a malformed reply";
        } else if (reply->refused) {
          log::cluster().error("membership: {} refused the join: {}", seed,
                               reply->reason);
          finish_join(
            self, caf::make_error(error_code::rejected,
                                  "cannot join the cluster: " + reply->reason));
          return;
        } else {
          std::string from;
          for (auto& m : reply->members)
            if (m.address == seed)
              from = m.name;
          absorb(self, from, reply->members);
          // Keep the connection the join used: the seed is a peer from now
          // on (a leave right after joining must reach it).
          if (auto* m = st.view->find(from)) {
            auto& p = st.peers[from];
            p.gateway = gw;
            p.address = m->address;
            p.incarnation = m->incarnation;
            self->monitor(p.gateway);
          }
          log::cluster().info("membership {}: joined through {} ({} members)",
                              st.view->self().name, seed,
                              st.view->live_members().size());
          finish_join(self, caf::none);
          notify(self);
          return;
        }
        if (--*pending == 0)
          retry_join_later(self);
      },
      [self, seed, pending](caf::error& err) {
        auto& st = self->state;
        if (!st.joining)
          return;
        st.last_join_error = seed + ": " + describe(err);
        if (--*pending == 0)
          retry_join_later(self);
      });
}

// Asks every seed at once; the first that accepts wins.
void try_seeds(self_ptr self) {
  auto& st = self->state;
  if (!st.joining)
    return;
  auto seeds = st.cfg.cluster.seeds;
  seeds.erase(std::remove(seeds.begin(), seeds.end(), st.view->self().address),
              seeds.end());
  if (seeds.empty()) {
    finish_join(self, caf::none);
    return;
  }
  auto pending = std::make_shared<size_t>(seeds.size());
  for (auto& seed : seeds)
    connect_gateway(
      self, st.cfg.links, seed, std::string{}, request_timeout(st),
      [self, seed, pending](gateway_actor gw) {
        if (self->state.joining)
          join_through(self, seed, gw, pending);
      },
      [self, pending](const std::string& why) {
        auto& st = self->state;
        if (!st.joining)
          return;
        st.last_join_error = why;
        if (--*pending == 0)
          retry_join_later(self);
      });
}

// -- answering peers ----------------------------------------------------------

std::string on_cluster_message(self_ptr self, const std::string& bytes) {
  auto& st = self->state;
  auto msg = wire::member_codec::decode_message(bytes);
  if (!msg) {
    cluster_reply refused;
    refused.refused = true;
    refused.reason = message_of(msg.error());
    return wire::member_codec::encode(refused);
  }
  auto& view = *st.view;
  switch (msg->kind) {
    case cluster_message::join: {
      auto& candidate = msg->members.front();
      if (auto why = view.join_conflict(candidate)) {
        log::cluster().warn("membership {}: refused {} from {}: {}",
                            view.self().name, candidate.name, candidate.address,
                            *why);
        cluster_reply refused;
        refused.refused = true;
        refused.reason = *why;
        return wire::member_codec::encode(refused);
      }
      auto accepted = candidate;
      accepted.status = member_status::up;
      absorb(self, msg->from, {accepted});
      break;
    }
    case cluster_message::leave:
    case cluster_message::gossip:
      absorb(self, msg->from, msg->members);
      break;
  }
  notify(self);
  cluster_reply reply;
  reply.members = view.members();
  return wire::member_codec::encode(reply);
}

void on_peer_down(self_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto& ls = st.listeners;
  ls.erase(std::remove_if(ls.begin(), ls.end(),
                          [&](const view_listener_actor& l) {
                            return l.address() == dm.source;
                          }),
           ls.end());
  for (auto& [name, p] : st.peers) {
    if (!p.gateway || p.gateway.address() != dm.source)
      continue;
    auto peer_name = name;
    auto incarnation = p.incarnation;
    p.gateway = nullptr;
    // Only a lost connection means a lost node; a gateway that ended on a
    // reachable node is restarted by its supervisor, and the next heartbeat
    // connects to the new one.
    if (dm.reason != caf::exit_reason::remote_link_unreachable) {
      log::cluster().info("membership {}: the gateway of {} ended ({}); "
                          "connecting again",
                          st.view->self().name, peer_name, describe(dm.reason));
      return;
    }
    if (st.view->mark_down(peer_name, incarnation, clock_type::now())) {
      log::cluster().warn("membership {}: {} is down (connection lost: {})",
                          st.view->self().name, peer_name, describe(dm.reason));
      st.dirty = true;
      notify(self);
    }
    return;
  }
}

} // namespace

membership_actor::behavior_type
membership(membership_actor::stateful_pointer<membership_state> self,
           membership_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  if (st.cfg.incarnation)
    st.cfg.self.incarnation = st.cfg.incarnation->load();
  st.view.emplace(st.cfg.self);
  st.view->trust_direct_contact(st.cfg.cluster.down_after);
  // Listeners and metrics get the first view with the first heartbeat.
  st.dirty = true;
  self->set_down_handler([self](const caf::down_msg& dm) {
    on_peer_down(self, dm);
  });
  self->set_default_handler(caf::drop);
  // The node's own listeners are named in the config: a restarted
  // membership tells them its view without their asking.
  st.listeners = st.cfg.listeners;
  self->send(self, atom::tick::value);
  return {
    [self](atom::cluster, const std::string& bytes) {
      return on_cluster_message(self, bytes);
    },
    [self](atom::join) -> caf::result<bool> {
      auto& st = self->state;
      if (st.joined)
        return true;
      auto rp = self->make_response_promise<bool>();
      st.join_waiters.push_back(rp);
      if (!st.joining) {
        st.joining = true;
        st.join_deadline = clock_type::now() + st.cfg.cluster.join_timeout;
        try_seeds(self);
      }
      return rp;
    },
    [self](atom::leave) -> caf::result<bool> {
      auto& st = self->state;
      st.view->leave_self();
      st.dirty = true;
      cluster_message msg;
      msg.kind = cluster_message::leave;
      msg.from = st.view->self().name;
      msg.from_incarnation = st.view->self().incarnation;
      msg.members.push_back(st.view->self());
      auto bytes = wire::member_codec::encode(msg);
      auto rp = self->make_response_promise<bool>();
      auto pending = std::make_shared<size_t>(0);
      for (auto& [name, p] : st.peers)
        if (p.gateway)
          ++*pending;
      if (*pending == 0) {
        rp.deliver(true);
        return rp;
      }
      for (auto& [name, p] : st.peers) {
        if (!p.gateway)
          continue;
        self
          ->request(p.gateway, request_timeout(st), atom::cluster::value, bytes)
          .then(
            [rp, pending](std::string&) mutable {
              if (--*pending == 0)
                rp.deliver(true);
            },
            [rp, pending](caf::error&) mutable {
              if (--*pending == 0)
                rp.deliver(true);
            });
      }
      return rp;
    },
    [self](atom::members) {
      return current_view(self->state);
    },
    [self](atom::get, const std::string& name)
      -> caf::result<uint8_t, uint64_t, gateway_actor> {
      auto& st = self->state;
      const member* m = st.view ? st.view->find(name) : nullptr;
      if (m == nullptr)
        return caf::make_error(error_code::rejected,
                               "no member " + name + " in the cluster");
      gateway_actor gw;
      if (auto i = st.peers.find(name); i != st.peers.end())
        gw = i->second.gateway;
      return {static_cast<uint8_t>(m->status), m->incarnation, std::move(gw)};
    },
    [self](atom::subscribe, view_listener_actor& l) {
      auto& st = self->state;
      // Monitored: a listener that restarts subscribes again, and its last
      // incarnation leaves the list.
      self->monitor(l);
      st.listeners.push_back(std::move(l));
      if (st.dirty) {
        notify(self); // everyone, the new listener included
        return;
      }
      self->send(st.listeners.back(), current_view(st));
    },
    [self](atom::tick) {
      on_tick(self);
    },
  };
}

} // namespace troupe::cluster
