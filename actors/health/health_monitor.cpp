#include "actors/health/health_monitor.hpp"

#include "actors/log/logging.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include <string_view>

namespace troupe::health {

namespace {

using monitor_ptr
  = health_monitor_actor::stateful_pointer<health_monitor_state>;

bool starts_with(std::string_view str, std::string_view prefix) {
  return str.substr(0, prefix.size()) == prefix;
}

void finish_round(monitor_ptr self) {
  auto& st = self->state;
  if (st.cfg.jobs)
    st.sample.counts = st.cfg.jobs->counts();
  if (st.cfg.listeners)
    st.sample.listeners = st.cfg.listeners();
  st.rules->update(st.sample);
  if (st.cfg.metrics)
    st.cfg.metrics->update(st.rules->score(), st.rules->alert_counts());
  st.polling = false;
  self->delayed_send(self, st.cfg.limits.interval, atom::tick::value);
}

void answered(monitor_ptr self) {
  if (--self->state.pending == 0)
    finish_round(self);
}

// A poll that failed: an actor that ended meanwhile is its supervisor's
// business (reported as restarting); one that did not answer is stuck.
auto on_poll_error(monitor_ptr self, std::string path) {
  return [self, path = std::move(path)](caf::error& err) {
    if (err == caf::sec::request_timeout)
      self->state.sample.unresponsive.push_back(path);
    answered(self);
  };
}

void poll_one(monitor_ptr self, const child_event& ev) {
  auto& st = self->state;
  auto timeout = st.cfg.limits.poll_timeout;
  auto fail = on_poll_error(self, ev.path);
  auto hdl = ev.handle;
  auto path = ev.path;
  ++st.pending;
  if (ev.supervisor) {
    self
      ->request(caf::actor_cast<supervisor_actor>(hdl), timeout,
                atom::status::value)
      .then(
        [self](supervisor_report& r) {
          self->state.sample.supervisors.push_back(std::move(r));
          answered(self);
        },
        fail);
  } else if (starts_with(path, std::string{tree_path::skills} + "/")) {
    self
      ->request(caf::actor_cast<worker_pool_actor>(hdl), timeout,
                atom::status::value)
      .then(
        [self](skill_info& x) {
          self->state.sample.pools.push_back(health_sample::pool{
            x.name, x.queued, x.queue_capacity, x.worker_restarts});
          answered(self);
        },
        fail);
  } else if (starts_with(path, tree_path::shard_prefix)) {
    self
      ->request(caf::actor_cast<cache_shard_actor>(hdl), timeout,
                atom::status::value)
      .then(
        [self](cache_status&) {
          answered(self);
        },
        fail);
  } else if (path == tree_path::membership) {
    self
      ->request(caf::actor_cast<membership_actor>(hdl), timeout,
                atom::members::value)
      .then(
        [self](cluster_view& v) {
          if (v.members.size() > 1)
            self->state.sample.members = std::move(v.members);
          answered(self);
        },
        fail);
  } else {
    auto on_report = [self, path](health_report& r) {
      self->state.sample.mailboxes.push_back(
        health_sample::mailbox{path, r.mailbox});
      answered(self);
    };
    if (path == tree_path::router)
      self
        ->request(caf::actor_cast<router_actor>(hdl), timeout,
                  atom::health::value)
        .then(on_report, fail);
    else if (path == tree_path::gateway)
      self
        ->request(caf::actor_cast<gateway_actor>(hdl), timeout,
                  atom::health::value)
        .then(on_report, fail);
    else if (path == tree_path::dispatcher)
      self
        ->request(caf::actor_cast<dispatcher_actor>(hdl), timeout,
                  atom::health::value)
        .then(on_report, fail);
    else
      --st.pending; // nothing to ask (the monitor itself)
  }
}

void start_round(monitor_ptr self) {
  auto& st = self->state;
  if (st.polling)
    return;
  st.polling = true;
  st.sample = health_sample{};
  st.sample.now = self->clock().now();
  // One extra count so that the round cannot finish while it starts.
  st.pending = 1;
  for (auto& [path, ev] : st.actors)
    if (ev.handle)
      poll_one(self, ev);
  answered(self);
}

} // namespace

health_monitor_actor::behavior_type health_monitor(
  health_monitor_actor::stateful_pointer<health_monitor_state> self,
  health_monitor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.rules = std::make_unique<health_rules>(st.cfg.limits);
  if (st.cfg.tree) {
    // The tree's root reports its own children; the events cover the rest.
    st.actors[std::string{tree_path::root}]
      = child_event{std::string{tree_path::root},
                    caf::actor_cast<caf::actor>(st.cfg.tree), true};
    self->send(st.cfg.tree, atom::watch::value,
               caf::actor_cast<caf::actor>(self));
  }
  self->set_default_handler(caf::drop);
  // The first round right away: it is the baseline the next ones compare
  // with.
  self->send(self, atom::tick::value);
  return {
    [self](child_event& ev) {
      auto sender = self->current_sender();
      if (!sender || sender->node() != self->node()
          || ev.path == tree_path::health)
        return;
      self->state.actors[ev.path] = std::move(ev);
    },
    [self](atom::tick) {
      start_round(self);
    },
    [self](atom::status) {
      auto& st = self->state;
      return health_status{st.rules->score(),
                           st.rules->alerts(self->clock().now()),
                           st.rules->restarts()};
    },
  };
}

} // namespace troupe::health
