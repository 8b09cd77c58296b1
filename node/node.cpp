#include "node/node.hpp"

#include "actors/gateway.hpp"
#include "actors/in_flight_limit.hpp"
#include "actors/node_supervisor.hpp"
#include "actors/router.hpp"
#include "actors/worker_pool.hpp"
#include "cluster/dispatcher.hpp"
#include "cluster/membership.hpp"
#include "config/logging.hpp"
#include "messages/errors.hpp"
#include "node/breaker_setup.hpp"
#include "node/cache_setup.hpp"

#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe {

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

caf::error publish_error(const node_config& cfg, uint16_t port,
                         const caf::error& err) {
  auto where = cfg.host + ":" + std::to_string(port);
  if (err == caf::sec::cannot_open_port)
    return caf::make_error(error_code::port_in_use,
                           "cannot listen on " + where
                             + ": the port is in use or not available");
  return caf::make_error(error_code::port_in_use,
                         "cannot listen on " + where + ": " + describe(err));
}

} // namespace

namespace {

// Spawns the node's actors for one port: its name and address (which the
// cluster sees) depend on it.
node_handle spawn_tree(caf::actor_system& sys, const node_config& cfg,
                       const skill_catalog& catalog, node_metrics* all,
                       uint16_t port) {
  auto metrics = all != nullptr ? all->jobs() : nullptr;
  node_handle node;
  node.port = port;
  auto address = cfg.host + ":" + std::to_string(port);
  node.name = cfg.name.empty() ? address : cfg.name;
  std::vector<std::pair<std::string, caf::actor>> children;
  std::unordered_map<std::string, worker_pool_actor> pools;
  auto node_limit = std::make_shared<in_flight_limit>(cfg.max_in_flight);
  for (auto& skill : catalog.all()) {
    auto pc = make_pool_config(*skill, cfg);
    pc.node_name = node.name;
    pc.node_limit = node_limit;
    if (pool_counts_results(*skill))
      pc.metrics = metrics;
    if (all != nullptr)
      pc.pool_metrics = all->pools();
    auto pool = sys.spawn(worker_pool, skill, std::move(pc));
    children.emplace_back("pool " + skill->name,
                          caf::actor_cast<caf::actor>(pool));
    pools.emplace(skill->name, std::move(pool));
  }
  dispatcher_config dc;
  dc.self = node.name;
  dc.default_timeout = cfg.default_timeout;
  dc.limits.max_count = cfg.cluster.link_max_count;
  dc.limits.max_bytes = cfg.cluster.link_max_bytes;
  dc.limits.max_linger = cfg.cluster.link_max_linger;
  if (all != nullptr)
    dc.metrics = all->batches();
  auto dispatch = sys.spawn(dispatcher, std::move(dc));
  children.emplace_back("dispatcher", caf::actor_cast<caf::actor>(dispatch));
  router_config rc;
  spawn_breakers(sys, cfg, catalog, all, node.name, pools, children, rc);
  spawn_cache(sys, cfg, catalog, all, node.name, children, rc);
  rc.node_name = node.name;
  rc.dispatcher = dispatch;
  rc.address = address;
  rc.max_job_bytes = cfg.max_job_bytes;
  rc.metrics = metrics;
  if (all != nullptr)
    rc.cluster_metrics = all->cluster();
  node.router = sys.spawn(router, std::move(rc), std::move(pools));
  caf::anon_send(dispatch, node.router);
  children.emplace_back("router", caf::actor_cast<caf::actor>(node.router));
  membership_config mc;
  mc.self.name = node.name;
  mc.self.address = address;
  mc.self.incarnation = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
  mc.cluster = cfg.cluster;
  mc.router = node.router;
  if (all != nullptr)
    mc.metrics = all->cluster();
  node.membership = sys.spawn(membership, std::move(mc));
  for (auto listener : {caf::actor_cast<view_listener_actor>(node.router),
                        caf::actor_cast<view_listener_actor>(dispatch)})
    caf::anon_send(node.membership, atom::subscribe::value, listener);
  children.emplace_back("membership",
                        caf::actor_cast<caf::actor>(node.membership));
  gateway_config gc;
  gc.node_name = node.name;
  gc.max_message_bytes = std::max<uint64_t>(cfg.max_job_bytes * 4,
                                            cfg.max_job_bytes + (1 << 20));
  gc.metrics = metrics;
  gc.membership = node.membership;
  node.gateway = sys.spawn(gateway, std::move(gc), node.router);
  children.emplace_back("gateway", caf::actor_cast<caf::actor>(node.gateway));
  node.supervisor = sys.spawn(node_supervisor, children);
  return node;
}

} // namespace

caf::expected<node_handle> spawn_node(caf::actor_system& sys, node_config cfg,
                                      const skill_catalog& catalog,
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
  if (node.port != 0)
    static_cast<void>(sys.middleman().unpublish(node.gateway, node.port));
  if (node.supervisor)
    caf::anon_send(node.supervisor, atom::stop::value);
  node.supervisor = nullptr;
}

} // namespace troupe
