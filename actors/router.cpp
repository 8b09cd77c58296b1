#include "actors/router.hpp"

#include "actors/mailbox_salvage.hpp"
#include "config/logging.hpp"
#include "config/version.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <memory>
#include <vector>

namespace troupe {

namespace {

using router_ptr = router_actor::stateful_pointer<router_state>;

// Collects one skill_info per pool, then calls `done` with all of them.
template <class Done>
void gather_skills(router_ptr self, Done done) {
  auto& pools = self->state.pools;
  struct gather {
    std::vector<skill_info> infos;
    size_t pending;
    Done done;
  };
  auto g = std::make_shared<gather>(gather{{}, pools.size(), std::move(done)});
  if (pools.empty()) {
    g->done(std::move(g->infos));
    return;
  }
  auto add = [g](skill_info info) {
    g->infos.push_back(std::move(info));
    if (--g->pending == 0) {
      std::sort(g->infos.begin(), g->infos.end(), [](auto& a, auto& b) {
        return a.name < b.name;
      });
      g->done(std::move(g->infos));
    }
  };
  for (auto& [name, pool] : pools) {
    if (!pool) { // restarting
      skill_info info;
      info.name = name;
      add(std::move(info));
      continue;
    }
    self->request(pool, self->state.cfg.status_timeout, atom::status::value)
      .then(
        [add](skill_info& info) {
          add(std::move(info));
        },
        [add, name = name](caf::error&) {
          skill_info info;
          info.name = name;
          add(std::move(info));
        });
  }
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

// Keeps a job until its skill's pool is back (see on_child_event).
void hold(router_ptr self, job&& j, result_sink_actor&& sink) {
  auto& st = self->state;
  if (st.dying || st.held_count >= st.cfg.max_held_jobs) {
    auto why = st.dying ? "the router of node " + st.cfg.node_name
                            + " restarted while skill '" + j.skill
                            + "' was restarting; the job never ran, "
                              "resubmit it"
                        : "skill '" + j.skill + "' is restarting and "
                            + std::to_string(st.held_count)
                            + " jobs already wait for it; retry later";
    self->send(sink, reject(self, j,
                            st.dying ? job_status::internal
                                     : job_status::overloaded,
                            std::move(why)));
    return;
  }
  ++st.held_count;
  auto& list = st.held[j.skill];
  list.emplace_back(std::move(j), std::move(sink));
}

void route(router_ptr self, job&& j, result_sink_actor&& sink) {
  auto& st = self->state;
  if (j.input.size() > st.cfg.max_job_bytes) {
    self->send(sink, reject(self, j, job_status::bad_input,
                            "input of " + std::to_string(j.input.size())
                              + " bytes exceeds max-job-bytes ("
                              + std::to_string(st.cfg.max_job_bytes) + ")"));
    return;
  }
  auto i = st.pools.find(j.skill);
  if (i == st.pools.end()) {
    auto why = j.skill.empty() ? std::string{"job names no skill"}
                               : "unknown skill '" + j.skill + "'";
    self->send(sink, reject(self, j,
                            j.skill.empty() ? job_status::bad_input
                                            : job_status::unknown_skill,
                            why + "; available: " + st.skill_names));
    return;
  }
  if (!i->second) {
    hold(self, std::move(j), std::move(sink));
    return;
  }
  self->send(i->second, std::move(j), std::move(sink));
}

void set_pool(router_ptr self, const std::string& skill,
              worker_pool_actor pool) {
  auto& st = self->state;
  st.pools[skill] = pool;
  if (!pool)
    return;
  // High priority: the router hears of a pool's death before it routes the
  // jobs queued behind that news, and holds them instead.
  self->monitor<caf::message_priority::high>(pool);
  auto i = st.held.find(skill);
  if (i == st.held.end())
    return;
  auto jobs = std::move(i->second);
  st.held.erase(i);
  st.held_count -= jobs.size();
  log::actors().info("router: skill {} is back; releasing {} held jobs",
                     skill, jobs.size());
  for (auto& [j, sink] : jobs)
    self->send(pool, std::move(j), std::move(sink));
}

void on_child_event(router_ptr self, child_event& ev) {
  auto& st = self->state;
  // Only this node's supervisors may say where the pools are.
  auto sender = self->current_sender();
  if (!sender || sender->node() != self->node())
    return;
  if (ev.path == st.cfg.pools_path) {
    if (ev.handle)
      self->send(caf::actor_cast<supervisor_actor>(ev.handle),
                 atom::watch::value, caf::actor_cast<caf::actor>(self));
    else // the pools went down with their supervisor
      for (auto& kv : st.pools)
        kv.second = nullptr;
    return;
  }
  auto prefix = st.cfg.pools_path + "/";
  if (ev.path.compare(0, prefix.size(), prefix) != 0)
    return;
  auto skill = ev.path.substr(prefix.size());
  if (st.pools.count(skill) > 0)
    set_pool(self, skill, caf::actor_cast<worker_pool_actor>(ev.handle));
}

// The router's last will: jobs it held or had not read yet go to their
// pool when it runs, else get an answer; none is dropped.
void route_remaining(router_ptr self) {
  auto& st = self->state;
  st.dying = true;
  auto held = std::move(st.held);
  st.held.clear();
  for (auto& [skill, jobs] : held)
    for (auto& [j, sink] : jobs)
      hold(self, std::move(j), std::move(sink));
  salvage_mailbox(self, [self](caf::mailbox_element& x) {
    auto& msg = x.content();
    if (!msg.match_elements<job, result_sink_actor>())
      return false;
    route(self, msg.move_if_unshared<job>(0),
          msg.move_if_unshared<result_sink_actor>(1));
    return true;
  });
}

} // namespace

router_actor::behavior_type
router(router_actor::stateful_pointer<router_state> self, router_config cfg,
       std::unordered_map<std::string, worker_pool_actor> pools) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.pools = std::move(pools);
  st.started = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  for (auto& kv : st.pools)
    names.push_back(kv.first);
  std::sort(names.begin(), names.end());
  for (auto& n : names)
    st.skill_names += (st.skill_names.empty() ? "" : ", ") + n;
  self->set_default_handler(caf::drop);
  for (auto& [name, pool] : st.pools)
    if (pool)
      self->monitor<caf::message_priority::high>(pool);
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto& kv : self->state.pools)
      if (kv.second && kv.second.address() == dm.source) {
        log::actors().debug("router: pool {} went down", kv.first);
        kv.second = nullptr;
      }
  });
  if (st.cfg.tree)
    self->send(st.cfg.tree, atom::watch::value,
               caf::actor_cast<caf::actor>(self));
  st.will = [self] {
    route_remaining(self);
  };
  return {
    [self](job& j, result_sink_actor& sink) {
      route(self, std::move(j), std::move(sink));
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
        out.version = version;
        out.uptime_ms = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - st.started)
            .count());
        for (auto& s : infos)
          out.in_flight += s.in_flight;
        out.skills = std::move(infos);
        if (st.cfg.metrics)
          out.counts = st.cfg.metrics->counts();
        rp.deliver(std::move(out));
      });
      return rp;
    },
    [self](child_event& ev) {
      on_child_event(self, ev);
    },
    [self](atom::health) {
      return health_report{self->mailbox().size(), self->state.held_count};
    },
  };
}

} // namespace troupe
