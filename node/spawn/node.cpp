#include "node/spawn/node.hpp"

#include "actors/breaker/breaker.hpp"
#include "actors/cache/cache_shard.hpp"
#include "actors/health/health_monitor.hpp"
#include "actors/ingress/gateway.hpp"
#include "actors/ingress/router.hpp"
#include "actors/log/logging.hpp"
#include "actors/pool/in_flight_limit.hpp"
#include "actors/pool/job_estate.hpp"
#include "actors/pool/worker_pool.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "actors/supervision/succession.hpp"
#include "actors/supervision/supervised_actor.hpp"
#include "actors/supervision/supervisor.hpp"
#include "cluster/dispatcher.hpp"
#include "cluster/membership.hpp"
#include "messages/errors.hpp"
#include "node/spawn/breaker_setup.hpp"
#include "node/spawn/cache_setup.hpp"
#include "node/spawn/name_table.hpp"

#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <prometheus/counter.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe::node {

// -- node_directory -----------------------------------------------------------

caf::actor node_directory::get(const std::string& path) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = actors_.find(path);
  return i != actors_.end() ? i->second : caf::actor{};
}

void node_directory::set(const std::string& path, caf::actor handle) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    actors_[path] = std::move(handle);
  }
  cv_.notify_all();
}

bool node_directory::wait_for(const std::string& path,
                              caf::timespan timeout) const {
  std::unique_lock<std::mutex> guard{mtx_};
  return cv_.wait_for(guard, timeout, [&] {
    auto i = actors_.find(path);
    return i != actors_.end() && i->second;
  });
}

gateway_actor node_handle::current_gateway() const {
  if (directory)
    if (auto x = directory->get(std::string{tree_path::gateway}))
      return caf::actor_cast<gateway_actor>(x);
  return gateway;
}

namespace {

// Asks the kernel for a free port on `host` (only used for port 0, since the
// node needs its final address before the gateway is published).
uint16_t pick_free_port(const std::string& host) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    socklen_t len = sizeof(addr);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

caf::error publish_error(const config::node_config& cfg, uint16_t port,
                         const caf::error& err) {
  auto where = cfg.host + ":" + std::to_string(port);
  if (err == caf::sec::cannot_open_port)
    return caf::make_error(error_code::port_in_use,
                           "cannot listen on " + where
                             + ": the port is in use or not available");
  return caf::make_error(error_code::port_in_use,
                         "cannot listen on " + where + ": " + describe(err));
}

// -- what goes on to a successor ----------------------------------------------

// Messages that mean the same to any incarnation: everything but responses
// to its own requests and notices about what it monitored or linked to.
bool any_message(const caf::mailbox_element& x) {
  auto& msg = x.content();
  return !x.mid.is_response() && !msg.match_elements<caf::down_msg>()
         && !msg.match_elements<caf::exit_msg>();
}

// Jobs and status requests: results and tickets are local to an incarnation.
bool jobs_and_status(const caf::mailbox_element& x) {
  auto& msg = x.content();
  return msg.match_elements<job, result_sink_actor>()
         || msg.match_elements<job, cache_key, job_runner_actor,
                               result_sink_actor>()
         || msg.match_elements<atom::status>();
}

// A breaker's attempt ids are its own: results of attempts go nowhere.
bool breaker_messages(const caf::mailbox_element& x) {
  return any_message(x) && !x.content().match_elements<job_result>();
}

// The router's request ids are its own: results of requests go nowhere.
bool router_messages(const caf::mailbox_element& x) {
  return any_message(x) && !x.content().match_elements<job_result>();
}

} // namespace

/// The port a node's gateway listens on (0 until first published) and the
/// gateway published there, which a restarted gateway replaces.
struct gateway_port {
  std::mutex mtx;
  uint16_t port = 0;
  gateway_actor published;
};

namespace {

// Everything a node's tree needs to build and rebuild its actors.
struct tree_context {
  caf::actor_system* sys;
  config::node_config cfg;
  node_metrics* metrics;
  std::string name;
  std::string address;
  uint64_t incarnation;
  std::shared_ptr<node_directory> directory;
  /// The registered names of the supervised children.
  std::shared_ptr<name_table> names;
  /// Where the gateway listens, for its successors.
  std::shared_ptr<gateway_port> port;
  /// The bound on jobs held by all pools (max-in-flight).
  pool::in_flight_limit_ptr node_limit;
  /// Jobs in flight for placement: the pools' by skill, the links' by
  /// member and skill.
  base::load_board_ptr pool_load;
  base::load_board_ptr link_load;

  template <class Handle>
  Handle current(std::string_view path) const {
    return caf::actor_cast<Handle>(directory->get(std::string{path}));
  }

  /// The stable handle of the supervised child at `path`.
  template <class Handle>
  Handle name_of(std::string_view path) const {
    return names->name<Handle>(path);
  }

  caf::timespan shutdown_timeout() const {
    return cfg.supervision.shutdown_timeout;
  }
};

// Closes a succession for good when the child's supervisor stops.
void close_on_shutdown(supervision::child_spec& spec,
                       supervision::succession_ptr heirs) {
  auto prev = std::move(spec.on_shutdown);
  spec.on_shutdown = [heirs, prev](const caf::error& reason) {
    if (prev)
      prev(reason);
    heirs->close(supervision::is_normal_exit(reason)
                   ? "the node stopped before " + heirs->name()
                       + " took the message"
                   : heirs->name() + " ended (" + describe(reason)
                       + ") and its supervisor gave up");
  };
}

// The child at `path` that runs as a supervised actor: messages to an ended
// incarnation go on to the next (those `filter` accepts), and its
// registered name reaches whichever runs. `init` gets the actor and its
// supervisor.
template <class Handle, class State, class Init>
supervision::child_spec
supervised_child(const tree_context& tc, std::string_view path,
                 std::string what, supervision::forward_filter filter,
                 Init init) {
  using impl = supervision::supervised_actor<Handle, State>;
  using pointer = typename Handle::template stateful_pointer<State>;
  auto heirs = tc.names->heirs(path, std::move(what));
  supervision::child_spec spec;
  spec.name = std::string{path.substr(path.rfind('/') + 1)};
  spec.shutdown_timeout = tc.shutdown_timeout();
  spec.start = [heirs, filter, init](const supervision::child_context& ctx) {
    auto parent = ctx.supervisor;
    typename impl::init_fn fn = [init, parent](pointer self) {
      return init(self, parent);
    };
    return caf::actor_cast<caf::actor>(
      ctx.sys.spawn<impl>(std::move(fn), heirs, filter));
  };
  close_on_shutdown(spec, heirs);
  return spec;
}

supervision::supervisor_config supervisor_for(const tree_context& tc,
                                              std::string path) {
  supervision::supervisor_config sc;
  sc.path = std::move(path);
  sc.strategy = supervision::restart_strategy::one_for_one;
  auto& sup = tc.cfg.supervision;
  sc.intensity = supervision::restart_intensity{sup.max_restarts,
                                                sup.restart_period};
  sc.backoff.initial = sup.backoff_initial;
  sc.backoff.max = sup.backoff_max;
  sc.backoff.jitter = sup.backoff_jitter;
  sc.backoff.reset_after = sup.restart_period;
  sc.crash_hook = tc.cfg.test_skills;
  if (tc.metrics != nullptr) {
    auto health = tc.metrics->health();
    sc.on_restart = [health](const std::string& sup, const std::string& child) {
      health->restart(sup, child);
    };
  }
  return sc;
}

supervision::child_spec subtree(const tree_context& tc, std::string name,
                                supervision::supervisor_config sc) {
  supervision::child_spec spec;
  spec.name = std::move(name);
  spec.supervisor = true;
  // Long enough for every child of the subtree to use its own timeout.
  spec.shutdown_timeout = tc.shutdown_timeout()
                          * static_cast<int>(sc.children.size() + 1);
  spec.start = [sc](const supervision::child_context& ctx) {
    return caf::actor_cast<caf::actor>(
      ctx.sys.spawn(supervision::supervisor, sc));
  };
  return spec;
}

supervision::child_spec
pool_child(const tree_context& tc,
           std::shared_ptr<const skills::skill_definition> skill) {
  auto& cfg = tc.cfg;
  auto pc = pool::make_pool_config(*skill, cfg);
  pc.node_name = tc.name;
  pc.node_limit = tc.node_limit;
  pc.load = tc.pool_load;
  if (tc.metrics != nullptr) {
    pc.pool_metrics = tc.metrics->pools();
    if (pool_counts_results(*skill))
      pc.metrics = tc.metrics->jobs();
    auto* restarts = &tc.metrics->health()->restarts(
      std::string{tree_path::skills} + "/" + skill->name, "worker");
    pc.on_worker_restart = [restarts] {
      restarts->Increment();
    };
  }
  auto estate = std::make_shared<pool::job_estate>(skill->name, tc.name,
                                                   pc.metrics);
  pc.estate = estate;
  auto spec = supervised_child<worker_pool_actor, pool::worker_pool_state>(
    tc, std::string{tree_path::skills} + "/" + skill->name,
    "the pool of skill " + skill->name, jobs_and_status,
    [skill,
     pc](worker_pool_actor::stateful_pointer<pool::worker_pool_state> self,
         const supervisor_actor&) {
      return pool::worker_pool(self, skill, pc);
    });
  auto prev = std::move(spec.on_shutdown);
  spec.on_shutdown = [estate, prev](const caf::error& reason) {
    estate->close(reason);
    prev(reason);
  };
  return spec;
}

supervision::child_spec gateway_child(const tree_context& tc) {
  supervision::child_spec spec;
  spec.name = "gateway";
  spec.shutdown_timeout = tc.shutdown_timeout();
  spec.start = [tc](const supervision::child_context& ctx) -> caf::actor {
    auto& cfg = tc.cfg;
    ingress::gateway_config gc;
    gc.node_name = tc.name;
    gc.max_message_bytes = std::max<uint64_t>(cfg.max_job_bytes * 4,
                                              cfg.max_job_bytes + (1 << 20));
    gc.metrics = tc.metrics != nullptr ? tc.metrics->jobs() : nullptr;
    gc.default_timeout = cfg.default_timeout;
    if (tc.metrics != nullptr) {
      auto* faults = &tc.metrics->internal_faults("gateway");
      gc.on_internal_fault = [faults] {
        faults->Increment();
      };
    }
    gc.membership = tc.name_of<membership_actor>(tree_path::membership);
    gc.health = tc.name_of<health_monitor_actor>(tree_path::health);
    gc.tree = ctx.supervisor;
    gc.crash_hook = cfg.test_skills;
    auto gw = ctx.sys.spawn(ingress::gateway, std::move(gc),
                            tc.name_of<router_actor>(tree_path::router));
    std::lock_guard<std::mutex> guard{tc.port->mtx};
    auto port = tc.port->port;
    if (port == 0)
      return caf::actor_cast<caf::actor>(gw); // published by spawn_node
    // A restarted gateway takes over the node's port: clients connecting
    // again reach it.
    auto& mm = ctx.sys.middleman();
    if (tc.port->published)
      static_cast<void>(mm.unpublish(tc.port->published, port));
    tc.port->published = gw;
    auto res = mm.publish(gw, port, cfg.host.c_str(), true);
    if (!res) {
      log::node().error("gateway: cannot listen on {}:{} again: {}", cfg.host,
                        port, describe(res.error()));
      caf::anon_send_exit(gw, caf::exit_reason::kill);
      return {};
    }
    log::node().info("gateway: listening on {}:{} again", cfg.host, port);
    return caf::actor_cast<caf::actor>(gw);
  };
  return spec;
}

// The skills the node offers its peers, with each one's capacity: the
// pool's largest size (an in-pool skill runs one job at a time).
std::vector<skill_load> offered_skills(const config::node_config& cfg,
                                       const skills::skill_catalog& catalog,
                                       const ingress::router_config& rc) {
  std::vector<skill_load> out;
  for (auto& skill : catalog.all()) {
    skill_load s;
    s.name = skill->name;
    s.version = skill->version;
    s.idempotent = skill->idempotent;
    s.cached = rc.cached_skills.count(skill->name) > 0;
    s.workers = skills::runs_in_pool(*skill)
                  ? 1
                  : pool::make_pool_config(*skill, cfg).max_workers;
    out.push_back(std::move(s));
  }
  return out;
}

// Spawns the node's tree for one port: its name and address (which the
// cluster sees) depend on it.
node_handle spawn_tree(caf::actor_system& sys, const config::node_config& cfg,
                       const skills::skill_catalog& catalog, node_metrics* all,
                       uint16_t port) {
  node_handle node;
  node.port = port;
  node.directory = std::make_shared<node_directory>();
  auto address = cfg.host + ":" + std::to_string(port);
  node.name = cfg.name.empty() ? address : cfg.name;
  tree_context tc{
    &sys,
    cfg,
    all,
    node.name,
    address,
    static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count()),
    node.directory,
    std::make_shared<name_table>(sys, cfg.queue_capacity),
    std::make_shared<gateway_port>(),
    std::make_shared<pool::in_flight_limit>(cfg.max_in_flight),
    std::make_shared<base::load_board>(),
    std::make_shared<base::load_board>()};
  auto jobs = all != nullptr ? all->jobs() : nullptr;
  auto root = supervisor_for(tc, std::string{tree_path::root});
  auto directory = node.directory;
  root.on_event = [directory](const child_event& ev) {
    directory->set(ev.path, ev.handle);
  };
  // -- skills: a pool per skill --
  auto skills = supervisor_for(tc, std::string{tree_path::skills});
  ingress::router_config rc;
  for (auto& skill : catalog.all())
    skills.children.push_back(pool_child(tc, skill));
  root.children.push_back(subtree(tc, "skills", skills));
  // -- breakers: in front of the pools of skills that have one --
  auto breakers = supervisor_for(tc, std::string{tree_path::breakers});
  for (auto& skill : catalog.all()) {
    auto bc = plan_breaker(cfg, *skill, all, node.name);
    if (!bc)
      continue;
    auto path = std::string{tree_path::breakers} + "/" + skill->name;
    auto pool_path = std::string{tree_path::skills} + "/" + skill->name;
    breakers.children.push_back(
      supervised_child<breaker_actor, breaker::breaker_state>(
        tc, path, "the breaker of skill " + skill->name, breaker_messages,
        [skill, bc = *bc, tc, pool_path](
          breaker_actor::stateful_pointer<breaker::breaker_state> self,
          const supervisor_actor&) {
          auto x = bc;
          x.supervised = true;
          x.router = tc.name_of<router_actor>(tree_path::router);
          return breaker::breaker(
            self, skill, tc.name_of<job_runner_actor>(pool_path), std::move(x));
        }));
    rc.breakers.emplace(skill->name, tc.name_of<breaker_actor>(path));
  }
  if (!breakers.children.empty())
    root.children.push_back(subtree(tc, "breakers", breakers));
  // -- cache: its shards --
  if (auto base = plan_cache(cfg, catalog, all, node.name, rc)) {
    auto cache = supervisor_for(tc, std::string{tree_path::cache});
    for (size_t i = 0; i < rc.cache_shards.size(); ++i) {
      auto shard_cfg = *base;
      cache.children.push_back(
        supervised_child<cache_shard_actor, cache::cache_shard_state>(
          tc, std::string{tree_path::shard_prefix} + std::to_string(i),
          "cache shard " + std::to_string(i), jobs_and_status,
          [shard_cfg](
            cache_shard_actor::stateful_pointer<cache::cache_shard_state> self,
            const supervisor_actor&) {
            return cache::cache_shard(self, shard_cfg);
          }));
    }
    root.children.push_back(subtree(tc, "cache", cache));
  }
  // -- dispatcher: jobs to other members --
  {
    cluster::dispatcher_config dc;
    dc.self = node.name;
    dc.default_timeout = cfg.default_timeout;
    dc.limits.max_count = cfg.cluster.link_max_count;
    dc.limits.max_bytes = cfg.cluster.link_max_bytes;
    dc.limits.max_linger = cfg.cluster.link_max_linger;
    if (all != nullptr)
      dc.metrics = all->batches();
    dc.load = tc.link_load;
    root.children.push_back(
      supervised_child<dispatcher_actor, cluster::dispatcher_state>(
        tc, tree_path::dispatcher, "the dispatcher", any_message,
        [dc,
         tc](dispatcher_actor::stateful_pointer<cluster::dispatcher_state> self,
             const supervisor_actor&) {
          auto x = dc;
          x.router = tc.name_of<router_actor>(tree_path::router);
          return cluster::dispatcher(self, std::move(x));
        }));
  }
  // -- router --
  rc.node_name = node.name;
  rc.address = address;
  rc.max_job_bytes = cfg.max_job_bytes;
  rc.metrics = jobs;
  if (all != nullptr)
    rc.cluster_metrics = all->cluster();
  rc.pool_load = tc.pool_load;
  rc.link_load = tc.link_load;
  std::vector<std::string> skill_names;
  for (auto& skill : catalog.all())
    skill_names.push_back(skill->name);
  root.children.push_back(supervised_child<router_actor, ingress::router_state>(
    tc, tree_path::router, "the router", router_messages,
    [rc, tc,
     skill_names](router_actor::stateful_pointer<ingress::router_state> self,
                  const supervisor_actor&) {
      auto x = rc;
      x.supervised = true;
      x.dispatcher = tc.name_of<dispatcher_actor>(tree_path::dispatcher);
      for (size_t i = 0; i < x.cache_shards.size(); ++i)
        x.cache_shards[i] = tc.name_of<cache_shard_actor>(
          std::string{tree_path::shard_prefix} + std::to_string(i));
      std::unordered_map<std::string, worker_pool_actor> pools;
      for (auto& name : skill_names)
        pools.emplace(name, tc.name_of<worker_pool_actor>(
                              std::string{tree_path::skills} + "/" + name));
      return ingress::router(self, std::move(x), std::move(pools));
    }));
  // -- membership --
  {
    cluster::membership_config mc;
    mc.self.name = node.name;
    mc.self.address = address;
    mc.self.incarnation = tc.incarnation;
    // A restarted membership rejoins as the run its peers know (which may
    // be newer than the node's start, if it was declared down and came
    // back), not as the node's first run, which they would refuse.
    mc.incarnation = std::make_shared<std::atomic<uint64_t>>(tc.incarnation);
    mc.cluster = cfg.cluster;
    if (all != nullptr)
      mc.metrics = all->cluster();
    mc.load = cluster::local_load{offered_skills(cfg, catalog, rc),
                                  tc.pool_load, jobs};
    auto started = std::make_shared<bool>(false);
    root.children.push_back(
      supervised_child<membership_actor, cluster::membership_state>(
        tc, tree_path::membership, "the membership", any_message,
        [mc, tc, started](
          membership_actor::stateful_pointer<cluster::membership_state> self,
          const supervisor_actor&) {
          auto x = mc;
          x.health = tc.name_of<health_monitor_actor>(tree_path::health);
          x.listeners
            = {tc.name_of<view_listener_actor>(tree_path::router),
               tc.name_of<view_listener_actor>(tree_path::dispatcher)};
          // A restarted membership joins again through the seeds (the
          // first one joins when the node says so).
          if (std::exchange(*started, true) && !x.cluster.seeds.empty())
            caf::anon_send(caf::actor_cast<membership_actor>(self),
                           atom::join::value);
          return cluster::membership(self, std::move(x));
        }));
  }
  // -- health monitor --
  {
    health::health_monitor_config hc;
    hc.limits = cfg.health;
    hc.jobs = jobs;
    if (all != nullptr)
      hc.metrics = all->health();
    root.children.push_back(
      supervised_child<health_monitor_actor, health::health_monitor_state>(
        tc, tree_path::health, "the health monitor", any_message,
        [hc](
          health_monitor_actor::stateful_pointer<health::health_monitor_state>
            self,
          const supervisor_actor& tree) {
          auto x = hc;
          x.tree = tree;
          return health::health_monitor(self, std::move(x));
        }));
  }
  // -- gateway --
  root.children.push_back(gateway_child(tc));
  node.supervisor = sys.spawn(supervision::supervisor, std::move(root));
  directory->set(std::string{tree_path::root},
                 caf::actor_cast<caf::actor>(node.supervisor));
  // The root starts its children when it first runs; the node is ready
  // once the last one (the gateway) runs.
  directory->wait_for(std::string{tree_path::gateway});
  node.router = tc.name_of<router_actor>(tree_path::router);
  node.membership = tc.name_of<membership_actor>(tree_path::membership);
  node.gateway = tc.current<gateway_actor>(tree_path::gateway);
  node.published_port = tc.port;
  return node;
}

} // namespace

caf::expected<node_handle> spawn_node(caf::actor_system& sys,
                                      config::node_config cfg,
                                      const skills::skill_catalog& catalog,
                                      node_metrics* metrics, bool publish) {
  // Preload jobs are cached before the gateway takes clients; each job
  // ends by its deadline, so waiting a little past the longest one is enough.
  auto preload_wait = cfg.default_timeout;
  for (auto& skill : catalog.all())
    preload_wait = std::max(preload_wait, skill->timeout);
  preload_wait += std::chrono::seconds(5);
  if (!publish) {
    auto node = spawn_tree(sys, cfg, catalog, metrics, cfg.port);
    node.port = 0;
    run_preload_jobs(sys, node.router, cfg.cache.preload_jobs, preload_wait);
    return node;
  }
  // With port 0 a free port is picked first (the node's name and address
  // depend on it); another process may take it before the gateway is
  // published, so a few attempts are made.
  int attempts = cfg.port == 0 ? 5 : 1;
  caf::error last_error;
  for (int i = 0; i < attempts; ++i) {
    auto port = cfg.port != 0 ? cfg.port : pick_free_port(cfg.host);
    auto node = spawn_tree(sys, cfg, catalog, metrics, port);
    run_preload_jobs(sys, node.router, cfg.cache.preload_jobs, preload_wait);
    // Address reuse lets a restarted node take its port back while the old
    // connections linger in TIME_WAIT; a port another process listens on is
    // still refused.
    auto res = sys.middleman().publish(node.gateway, port, cfg.host.c_str(),
                                       true);
    if (res) {
      std::lock_guard<std::mutex> guard{node.published_port->mtx};
      node.published_port->port = port;
      node.published_port->published = node.gateway;
      log::node().info("node {} listening on {}:{} with {} skills", node.name,
                       cfg.host, node.port, catalog.size());
      return node;
    }
    last_error = publish_error(cfg, port, res.error());
    caf::anon_send(node.supervisor, atom::stop::value);
  }
  return last_error;
}

void stop_node(caf::actor_system& sys, node_handle& node) {
  if (node.port != 0 && node.published_port) {
    std::lock_guard<std::mutex> guard{node.published_port->mtx};
    static_cast<void>(
      sys.middleman().unpublish(node.published_port->published, node.port));
    // Gateways restarted from now on stay unpublished.
    node.published_port->port = 0;
  }
  if (node.supervisor)
    caf::anon_send(node.supervisor, atom::stop::value);
  node.supervisor = nullptr;
}

} // namespace troupe::node
