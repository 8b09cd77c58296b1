#include "actors/supervision/supervisor.hpp"

#include "actors/log/logging.hpp"
#include "config/node_config.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <limits>

namespace troupe::supervision {

namespace {

using sup_ptr = supervisor_actor::stateful_pointer<supervisor_state>;
using status = supervisor_state::status;

constexpr size_t npos = std::numeric_limits<size_t>::max();

std::string child_path(sup_ptr self, size_t i) {
  return self->state.cfg.path + "/" + self->state.children[i].spec.name;
}

size_t find_child(sup_ptr self, const caf::actor_addr& addr) {
  auto& children = self->state.children;
  for (size_t i = 0; i < children.size(); ++i)
    if (children[i].handle && children[i].handle.address() == addr)
      return i;
  return npos;
}

child_event event_of(sup_ptr self, size_t i) {
  auto& c = self->state.children[i];
  return child_event{child_path(self, i), c.handle, c.spec.supervisor};
}

// Sent with the supervisor as sender, so that receivers can refuse events
// that do not come from their own node.
void send_event(sup_ptr self, const caf::actor& watcher,
                const child_event& ev) {
  caf::send_as(caf::actor_cast<caf::actor>(self), watcher, ev);
}

// Tells the hook and every watcher about `ev` (a child of this supervisor
// or, relayed, a descendant further down).
void publish(sup_ptr self, const child_event& ev) {
  auto& st = self->state;
  if (st.cfg.on_event)
    st.cfg.on_event(ev);
  for (auto& w : st.watchers)
    send_event(self, w, ev);
}

void notify_all(sup_ptr self, size_t i) {
  publish(self, event_of(self, i));
}

// A child supervisor ended: everything below it is gone too, whether or not
// it had time to say so.
void forget_descendants(sup_ptr self, size_t i) {
  auto& st = self->state;
  auto prefix = child_path(self, i) + "/";
  for (auto d = st.descendants.lower_bound(prefix);
       d != st.descendants.end()
       && d->first.compare(0, prefix.size(), prefix) == 0;) {
    if (d->second.handle) {
      d->second.handle = nullptr;
      publish(self, d->second);
    }
    d = st.descendants.erase(d);
  }
}

// An event from a child supervisor about one of its descendants.
void relay(sup_ptr self, child_event& ev) {
  auto& st = self->state;
  auto sender = self->current_sender();
  auto i = sender ? find_child(self, sender->address()) : npos;
  if (i == npos || !st.children[i].spec.supervisor)
    return; // only our own child supervisors speak for their subtrees
  st.descendants[ev.path] = ev;
  publish(self, ev);
}

bool busy(sup_ptr self) {
  auto& st = self->state;
  return !st.stopping.empty() || st.waiting_backoff;
}

bool start_child(sup_ptr self, size_t i) {
  auto& st = self->state;
  auto& c = st.children[i];
  child_context ctx{self->system(), caf::actor_cast<supervisor_actor>(self),
                    child_path(self, i)};
  caf::actor handle;
  // A factory is code of whoever configured the supervisor: a throw is a
  // failed start, never the supervisor's own crash.
  try {
    handle = c.spec.start(ctx);
  } catch (const std::exception& e) {
    log::actors().error("supervisor {}: starting {} threw: {}", st.cfg.path,
                        c.spec.name, e.what());
  }
  if (!handle) {
    log::actors().error("supervisor {}: could not start {}", st.cfg.path,
                        c.spec.name);
    return false;
  }
  c.handle = std::move(handle);
  c.state = status::running;
  c.started = self->clock().now();
  c.killed = false;
  // A monitor, not a link: an actor that gets an exit message from a linked
  // actor unlinks before it quits, so a child stopped by the supervisor
  // would send no exit message back. Children end with the supervisor
  // through its last will instead.
  self->monitor(c.handle);
  if (c.spec.supervisor)
    self->send(caf::actor_cast<supervisor_actor>(c.handle), atom::watch::value,
               caf::actor_cast<caf::actor>(self));
  notify_all(self, i);
  return true;
}

void continue_operation(sup_ptr self);

void release_children(sup_ptr self) {
  auto& st = self->state;
  for (auto& c : st.children)
    if (c.spec.on_shutdown)
      c.spec.on_shutdown(st.final_reason);
}

void handle_failure(sup_ptr self, size_t i, const caf::error& reason);

// Handles the failures that happened while another operation ran, oldest
// first; a failure of a child that has been started again since is stale.
void next_pending(sup_ptr self) {
  auto& st = self->state;
  while (!busy(self) && !st.shutting_down && !st.pending.empty()) {
    auto f = std::move(st.pending.front());
    st.pending.pop_front();
    if (st.children[f.index].state == status::running)
      continue;
    handle_failure(self, f.index, f.reason);
  }
}

void start_planned(sup_ptr self) {
  auto& st = self->state;
  auto list = std::move(st.to_start);
  st.to_start.clear();
  st.waiting_backoff = false;
  for (auto i : list) {
    auto& c = st.children[i];
    if (c.removed || c.handle)
      continue;
    ++c.restarts;
    if (st.cfg.on_restart)
      st.cfg.on_restart(st.cfg.path, c.spec.name);
    log::actors().info("supervisor {}: restarting {} (restart {})", st.cfg.path,
                       c.spec.name, c.restarts);
    if (!start_child(self, i)) {
      c.state = status::stopped;
      st.pending.push_back(
        {i, caf::make_error(caf::sec::runtime_error,
                            "could not start " + c.spec.name)});
    }
  }
}

// Advances the operation in progress: stops the next child, or, once all
// are stopped, waits for the backoff and starts the planned children, or
// quits when shutting down.
void continue_operation(sup_ptr self) {
  auto& st = self->state;
  while (!st.stopping.empty()) {
    auto i = st.stopping.front();
    auto& c = st.children[i];
    if (!c.handle) {
      st.stopping.pop_front();
      continue;
    }
    if (c.state != status::stopping) {
      c.state = status::stopping;
      c.killed = false;
      self->send_exit(c.handle, caf::exit_reason::user_shutdown);
      ++st.generation;
      self->delayed_send(self, c.spec.shutdown_timeout, atom::expire::value,
                         st.generation);
    }
    return; // until its exit message or the timer
  }
  if (st.shutting_down) {
    log::actors().info("supervisor {}: all children stopped", st.cfg.path);
    release_children(self);
    self->quit(st.final_reason);
    return;
  }
  if (!st.to_start.empty() && !st.waiting_backoff) {
    auto& f = st.children[st.failed];
    std::uniform_real_distribution<double> unit{0.0, 1.0};
    auto delay = f.backoff.next(f.started, self->clock().now(), unit(st.rng));
    if (delay > caf::timespan{0}) {
      log::actors().info("supervisor {}: restarting {} in {} (failure {} "
                         "in a row)",
                         st.cfg.path, f.spec.name, config::duration_text(delay),
                         f.backoff.failures());
      for (auto i : st.to_start)
        st.children[i].state = status::restarting;
      st.waiting_backoff = true;
      ++st.generation;
      self->delayed_send(self, delay, atom::restart::value, st.generation);
      return;
    }
    start_planned(self);
  }
  next_pending(self);
}

void shutdown(sup_ptr self, caf::error reason) {
  auto& st = self->state;
  if (st.shutting_down)
    return;
  st.shutting_down = true;
  st.final_reason = std::move(reason);
  st.pending.clear();
  st.to_start.clear();
  st.waiting_backoff = false;
  // A child being stopped right now stays first; then every other running
  // child in reverse start order.
  std::deque<size_t> order;
  if (!st.stopping.empty()
      && st.children[st.stopping.front()].state == status::stopping)
    order.push_back(st.stopping.front());
  for (size_t i = st.children.size(); i-- > 0;)
    if (st.children[i].handle
        && std::find(order.begin(), order.end(), i) == order.end())
      order.push_back(i);
  for (auto& c : st.children)
    if (!c.handle && c.state == status::restarting)
      c.state = status::stopped;
  st.stopping = std::move(order);
  continue_operation(self);
}

void give_up(sup_ptr self, size_t i, const caf::error& reason) {
  auto& st = self->state;
  auto& limits = st.window.limits();
  auto why = "supervisor " + st.cfg.path + " gave up: more than "
             + std::to_string(limits.max_restarts) + " restarts within "
             + config::duration_text(limits.period) + " (last: "
             + st.children[i].spec.name + " ended: " + describe(reason) + ")";
  log::actors().error("{}", why);
  shutdown(self, caf::make_error(error_code::gave_up, std::move(why)));
}

void handle_failure(sup_ptr self, size_t i, const caf::error& reason) {
  auto& st = self->state;
  auto& c = st.children[i];
  if (!should_restart(c.spec.restart, reason)) {
    if (c.spec.restart == restart_type::temporary)
      c.removed = true;
    log::actors().info("supervisor {}: {} ({}) ended and is not restarted",
                       st.cfg.path, c.spec.name, to_string(c.spec.restart));
    next_pending(self);
    return;
  }
  if (!st.window.record(self->clock().now())) {
    give_up(self, i, reason);
    return;
  }
  std::vector<child_view> views;
  views.reserve(st.children.size());
  for (auto& x : st.children)
    views.push_back({x.handle != nullptr && !x.removed, x.spec.restart});
  auto plan = plan_restart(st.cfg.strategy, i, views);
  st.failed = i;
  st.stopping.assign(plan.stop.begin(), plan.stop.end());
  st.to_start = std::move(plan.start);
  c.state = status::restarting;
  continue_operation(self);
}

void on_child_exit(sup_ptr self, size_t i, const caf::error& reason) {
  auto& st = self->state;
  auto& c = st.children[i];
  bool asked = c.state == status::stopping;
  c.handle = nullptr;
  c.state = status::stopped;
  notify_all(self, i);
  if (c.spec.supervisor)
    forget_descendants(self, i);
  auto queued = std::find(st.stopping.begin(), st.stopping.end(), i);
  if (asked || queued != st.stopping.end()) {
    // Stopped as part of the operation in progress (or ended on its own
    // just before its turn): nothing more to decide.
    if (queued == st.stopping.begin())
      ++st.generation; // its timer is stale now
    if (queued != st.stopping.end())
      st.stopping.erase(queued);
    if (!st.shutting_down
        && std::find(st.to_start.begin(), st.to_start.end(), i)
             != st.to_start.end())
      c.state = status::restarting;
    continue_operation(self);
    return;
  }
  if (st.shutting_down)
    return;
  log::actors().warn("supervisor {}: {} ended: {}", st.cfg.path, c.spec.name,
                     describe(reason));
  if (busy(self)) {
    st.pending.push_back({i, reason});
    return;
  }
  handle_failure(self, i, reason);
}

void on_expire(sup_ptr self, uint64_t generation) {
  auto& st = self->state;
  if (generation != st.generation || st.stopping.empty())
    return;
  auto i = st.stopping.front();
  auto& c = st.children[i];
  if (!c.handle)
    return;
  ++st.generation;
  if (!c.killed) {
    log::actors().warn("supervisor {}: {} did not stop within {}; killing it",
                       st.cfg.path, c.spec.name,
                       config::duration_text(c.spec.shutdown_timeout));
    c.killed = true;
    self->send_exit(c.handle, caf::exit_reason::kill);
    self->delayed_send(self, c.spec.shutdown_timeout, atom::expire::value,
                       st.generation);
    return;
  }
  // Only an actor blocked in its own code for good ignores a kill; leave it
  // behind rather than block the shutdown of everything else.
  log::actors().error("supervisor {}: {} ignored a kill; leaving it behind",
                      st.cfg.path, c.spec.name);
  self->demonitor(c.handle);
  c.handle = nullptr;
  c.state = status::stopped;
  notify_all(self, i);
  if (c.spec.supervisor)
    forget_descendants(self, i);
  st.stopping.pop_front();
  continue_operation(self);
}

// The supervisor's last will: when it ends without having stopped its
// children (it was killed, or its own code failed), they end with it, as
// linked children would.
void take_children_along(sup_ptr self) {
  auto reason = self->fail_state();
  if (is_normal_exit(reason))
    reason = caf::exit_reason::user_shutdown;
  for (auto& c : self->state.children)
    if (c.handle)
      self->send_exit(c.handle, reason);
  if (!self->state.shutting_down) {
    self->state.final_reason = reason;
    release_children(self);
  }
}

caf::result<std::string> on_crash(sup_ptr self, const std::string& path) {
  auto& st = self->state;
  if (!st.cfg.crash_hook)
    return caf::make_error(error_code::rejected,
                           "crash injection is disabled on this node (it is "
                           "a test hook: start the node with --test-skills)");
  auto slash = path.find('/');
  auto name = path.substr(0, slash);
  for (auto& c : st.children) {
    if (c.spec.name != name || !c.handle)
      continue;
    if (slash != std::string::npos) {
      if (!c.spec.supervisor)
        break;
      return self->delegate(caf::actor_cast<supervisor_actor>(c.handle),
                            atom::crash::value, path.substr(slash + 1));
    }
    log::actors().warn("supervisor {}: crashing {} on request (test hook)",
                       st.cfg.path, c.spec.name);
    self->send_exit(c.handle, caf::make_error(error_code::crash_injected,
                                              "crash injected by a test into "
                                                + st.cfg.path + "/" + name));
    return "crashed " + st.cfg.path + "/" + name;
  }
  std::string names;
  for (auto& c : st.children)
    names += (names.empty() ? "" : ", ") + c.spec.name;
  return caf::make_error(error_code::rejected,
                         "no running actor '" + path + "' below " + st.cfg.path
                           + " (children: " + names + ")");
}

supervisor_report report(sup_ptr self) {
  auto& st = self->state;
  supervisor_report out;
  out.path = st.cfg.path;
  out.recent_restarts = st.window.recent(self->clock().now());
  out.max_restarts = st.window.limits().max_restarts;
  for (auto& c : st.children) {
    if (c.removed && !c.handle)
      continue;
    child_report r;
    r.name = c.spec.name;
    r.restarts = c.restarts;
    r.supervisor = c.spec.supervisor;
    switch (c.state) {
      case status::running:
        r.state = "running";
        break;
      case status::stopping:
        r.state = "stopping";
        break;
      case status::restarting:
        r.state = "restarting";
        break;
      case status::stopped:
        r.state = "stopped";
        break;
    }
    out.children.push_back(std::move(r));
  }
  return out;
}

} // namespace

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self,
           supervisor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.window = restart_window{st.cfg.intensity};
  st.rng.seed(st.cfg.seed);
  for (auto& spec : st.cfg.children) {
    supervisor_state::child c;
    c.spec = spec;
    c.backoff = backoff_schedule{st.cfg.backoff};
    st.children.push_back(std::move(c));
  }
  self->set_exit_handler([self](caf::exit_msg& em) {
    // Our parent failed or asks us to stop: take the children down first.
    if (em.reason)
      shutdown(self, std::move(em.reason));
  });
  st.will = [self] {
    take_children_along(self);
  };
  self->set_down_handler([self](caf::down_msg& dm) {
    auto i = find_child(self, dm.source);
    if (i != npos) {
      on_child_exit(self, i, dm.reason);
      return;
    }
    auto& w = self->state.watchers;
    w.erase(std::remove_if(w.begin(), w.end(),
                           [&](const caf::actor& x) {
                             return x.address() == dm.source;
                           }),
            w.end());
  });
  self->set_default_handler(caf::drop);
  for (size_t i = 0; i < st.children.size(); ++i) {
    if (!start_child(self, i)) {
      shutdown(self,
               caf::make_error(caf::sec::runtime_error,
                               "supervisor " + st.cfg.path + " could not start "
                                 + st.children[i].spec.name));
      break;
    }
  }
  log::actors().info("supervisor {}: started {} children ({})", st.cfg.path,
                     st.children.size(), to_string(st.cfg.strategy));
  return {
    [self](atom::watch, caf::actor& watcher) {
      if (!watcher)
        return;
      self->monitor(watcher);
      self->state.watchers.push_back(watcher);
      for (size_t i = 0; i < self->state.children.size(); ++i)
        if (!self->state.children[i].removed)
          send_event(self, watcher, event_of(self, i));
      for (auto& [path, ev] : self->state.descendants)
        send_event(self, watcher, ev);
    },
    [self](child_event& ev) {
      relay(self, ev);
    },
    [self](atom::get, const std::string& name) -> caf::result<caf::actor> {
      for (auto& c : self->state.children)
        if (c.spec.name == name && c.handle)
          return c.handle;
      return caf::make_error(error_code::rejected, "no running child '" + name
                                                     + "' below "
                                                     + self->state.cfg.path);
    },
    [self](atom::status) {
      return report(self);
    },
    [self](atom::stop) {
      log::actors().info("supervisor {}: stopping", self->state.cfg.path);
      shutdown(self, caf::exit_reason::user_shutdown);
    },
    [self](atom::crash, const std::string& path) {
      return on_crash(self, path);
    },
    [self](atom::restart, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.generation || !st.waiting_backoff)
        return;
      start_planned(self);
      next_pending(self);
    },
    [self](atom::expire, uint64_t generation) {
      on_expire(self, generation);
    },
  };
}

} // namespace troupe::supervision
