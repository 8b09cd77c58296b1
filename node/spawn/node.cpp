#include "node/spawn/node.hpp"

#include "actors/door/door_server.hpp"
#include "actors/door/keeper_actor.hpp"
#include "actors/door/token_file.hpp"
#include "actors/ingress/router.hpp"
#include "actors/log/logging.hpp"
#include "actors/supervision/supervisor.hpp"
#include "messages/errors.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/cache_preload.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/tree_context.hpp"

#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace troupe::node {

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

// Spawns the node's tree for its ports: its name (from the client port)
// and its address in the cluster depend on them.
node_handle spawn_tree(caf::actor_system& sys, const config::node_config& cfg,
                       const skills::skill_catalog& catalog, node_metrics* all,
                       uint16_t port, uint16_t cluster_port) {
  node_handle node;
  node.port = port;
  node.cluster_port = cluster_port;
  auto address = !cfg.advertise.empty()
                   ? cfg.advertise
                   : cfg.host + ":" + std::to_string(cluster_port);
  node.name = cfg.name.empty() ? cfg.host + ":" + std::to_string(port)
                               : cfg.name;
  auto tc = make_tree_context(sys, cfg, all, node.name, address);
  node.incarnation = tc.incarnation;
  node.keeper_heirs = tc.names->heirs(tree_path::keeper,
                                      "the detached jobs of node " + node.name);
  node.directory = tc.directory;
  auto root = supervisor_for(tc, std::string{tree_path::root});
  auto directory = node.directory;
  root.on_event = [directory](const child_event& ev) {
    directory->set(ev.path, ev.handle);
  };
  // The root starts its children in this order and stops them in reverse:
  // the gateway, which lets clients in, starts last and stops first.
  ingress::router_config rc;
  root.children.push_back(spawn_pools(tc, catalog));
  if (auto breakers = spawn_breakers(tc, catalog, rc))
    root.children.push_back(std::move(*breakers));
  if (auto cache = spawn_cache(tc, catalog, rc))
    root.children.push_back(std::move(*cache));
  root.children.push_back(spawn_dispatcher(tc));
  auto offered = offered_skills(tc, catalog, rc);
  root.children.push_back(spawn_router(tc, catalog, std::move(rc)));
  root.children.push_back(spawn_membership(tc, std::move(offered)));
  root.children.push_back(spawn_health(tc));
  root.children.push_back(spawn_gateway(tc, catalog));
  node.supervisor = sys.spawn(supervision::supervisor, std::move(root));
  directory->set(std::string{tree_path::root},
                 caf::actor_cast<caf::actor>(node.supervisor));
  // The root starts its children when it first runs; the node is ready
  // once the last one (the gateway) runs.
  directory->wait_for(std::string{tree_path::gateway});
  node.router = tc.name_of<router_actor>(tree_path::router);
  node.membership = tc.name_of<membership_actor>(tree_path::membership);
  node.gateway = tc.current<gateway_actor>(tree_path::gateway);
  node.gateway_name = tc.name_of<gateway_actor>(tree_path::gateway);
  node.published_port = tc.port;
  return node;
}

caf::expected<door::door_context>
door_for(caf::actor_system& sys, const config::node_config& cfg,
         const node_handle& node, std::function<void()> drain) {
  door::door_context dc;
  auto tls = door::load_tls(cfg.door);
  if (!tls)
    return tls.error();
  dc.tls = std::move(*tls);
  std::shared_ptr<const door::token_table> tokens;
  if (!cfg.door.tokens.empty()) {
    auto file = door::load_token_file(cfg.door.tokens);
    if (!file)
      return file.error();
    for (auto& warning : file->warnings)
      log::node().warn("{}", warning);
    tokens = std::make_shared<door::token_table>(std::move(file->entries));
  }
  dc.access = std::make_shared<door::access>(std::move(tokens));
  door::keeper_limits kl;
  kl.retention
    = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      cfg.door.result_retention);
  kl.max_bytes = cfg.door.result_bytes;
  dc.keeper = std::make_shared<door::result_keeper>(node.name, node.incarnation,
                                                    kl, dc.access);
  dc.limits.max_concurrent_streams = static_cast<int>(cfg.door.max_streams);
  dc.limits.max_connections = cfg.door.max_connections;
  dc.limits.handshake_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(
      cfg.door.handshake_timeout);
  dc.limits.max_connection_idle
    = std::chrono::duration_cast<std::chrono::milliseconds>(
      cfg.door.idle_timeout);
  dc.limits.resource_quota_bytes = static_cast<int64_t>(cfg.door.memory);
  dc.sys = &sys;
  dc.gateway = node.gateway_name;
  dc.router = node.router;
  dc.node_name = node.name;
  dc.address = cfg.host + ":" + std::to_string(node.port);
  dc.cluster_address = !cfg.advertise.empty()
                         ? cfg.advertise
                         : cfg.host + ":" + std::to_string(node.cluster_port);
  dc.limits.max_job_bytes = cfg.max_job_bytes;
  // A batch of several jobs of the largest size, or many small ones.
  dc.limits.max_message_bytes
    = std::max<uint64_t>(cfg.max_job_bytes * 4, cfg.max_job_bytes + (1 << 20));
  dc.crash_hook = cfg.test_skills;
  dc.drain = std::move(drain);
  return dc;
}

} // namespace

caf::expected<node_handle>
spawn_node(caf::actor_system& sys, config::node_config cfg,
           const skills::skill_catalog& catalog, node_metrics* metrics,
           bool publish, std::function<void()> drain) {
  // Preload jobs are cached before the gateway takes clients; each job
  // ends by its deadline, so waiting a little past the longest one is enough.
  auto preload_wait = cfg.default_timeout;
  for (auto& skill : catalog.all())
    preload_wait = std::max(preload_wait, skill->timeout);
  preload_wait += std::chrono::seconds(5);
  if (!publish) {
    auto node = spawn_tree(sys, cfg, catalog, metrics, cfg.port,
                           config::cluster_port_of(cfg));
    node.port = 0;
    node.cluster_port = 0;
    node.keeper_heirs->close("node " + node.name
                             + " serves no gRPC door, so it holds no "
                               "detached jobs");
    run_preload_jobs(sys, node.router, cfg.cache.preload_jobs, preload_wait);
    return node;
  }
  // With port 0 a free port is picked first (the node's name and address
  // depend on it); another process may take it before the gateway is
  // published, so a few attempts are made.
  auto free_ports = cfg.port == 0;
  int attempts = free_ports ? 5 : 1;
  caf::error last_error;
  for (int i = 0; i < attempts; ++i) {
    auto port = !free_ports ? cfg.port : pick_free_port(cfg.host);
    auto cluster_port = config::cluster_port_of(cfg);
    if (cluster_port == 0)
      cluster_port = pick_free_port(cfg.host);
    auto node = spawn_tree(sys, cfg, catalog, metrics, port, cluster_port);
    run_preload_jobs(sys, node.router, cfg.cache.preload_jobs, preload_wait);
    // Address reuse lets a restarted node take its port back while the old
    // connections linger in TIME_WAIT; a port another process listens on is
    // still refused.
    auto res = sys.middleman().publish(node.gateway, cluster_port,
                                       cfg.host.c_str(), true);
    if (!res) {
      last_error = publish_error(cfg, cluster_port, res.error());
      caf::anon_send(node.supervisor, atom::stop::value);
      continue;
    }
    {
      std::lock_guard<std::mutex> guard{node.published_port->mtx};
      node.published_port->port = cluster_port;
      node.published_port->published = node.gateway;
    }
    auto dc = door_for(sys, cfg, node, drain);
    if (!dc) {
      last_error = std::move(dc.error());
      stop_node(sys, node);
      break; // a bad TLS file stays bad
    }
    node.keeper = sys.spawn(door::keeper_service, dc->keeper,
                            node.gateway_name);
    node.keeper_heirs->take_over(
      caf::actor_cast<caf::strong_actor_ptr>(node.keeper));
    auto door = door::door_server::start(std::move(*dc), cfg.host, port);
    if (!door) {
      last_error = std::move(door.error());
      node.port = 0;
      stop_node(sys, node);
      continue;
    }
    node.door = std::move(*door);
    log::node().info("node {} serving clients on {}:{} and members on {}:{} "
                     "with {} skills",
                     node.name, cfg.host, node.port, cfg.host,
                     node.cluster_port, catalog.size());
    return node;
  }
  return last_error;
}

void mark_draining(node_handle& node) {
  if (node.door)
    node.door->set_serving(false);
}

void stop_node(caf::actor_system& sys, node_handle& node,
               std::chrono::milliseconds grace) {
  if (node.door) {
    node.door->stop(grace);
    node.door.reset();
  }
  if (node.cluster_port != 0 && node.published_port) {
    std::lock_guard<std::mutex> guard{node.published_port->mtx};
    static_cast<void>(sys.middleman().unpublish(node.published_port->published,
                                                node.cluster_port));
    // Gateways restarted from now on stay unpublished.
    node.published_port->port = 0;
  }
  if (node.keeper_heirs)
    node.keeper_heirs->close("node " + node.name + " stops");
  if (node.keeper)
    caf::anon_send_exit(node.keeper, caf::exit_reason::user_shutdown);
  node.keeper = nullptr;
  if (node.supervisor)
    caf::anon_send(node.supervisor, atom::stop::value);
  node.supervisor = nullptr;
}

} // namespace troupe::node
