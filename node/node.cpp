#include "node/node.hpp"

#include "actors/gateway.hpp"
#include "actors/node_supervisor.hpp"
#include "actors/router.hpp"
#include "actors/worker_pool.hpp"
#include "config/logging.hpp"
#include "messages/errors.hpp"

#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

caf::expected<node_handle> spawn_node(caf::actor_system& sys, node_config cfg,
                                      const skill_catalog& catalog,
                                      job_metrics_ptr metrics, bool publish) {
  node_handle node;
  uint16_t port = cfg.port;
  int attempts = publish && cfg.port == 0 ? 5 : 1;
  if (publish && cfg.port == 0)
    port = pick_free_port(cfg.host);
  node.port = publish ? port : 0;
  node.name = cfg.name.empty() ? cfg.host + ":" + std::to_string(port)
                               : cfg.name;
  std::vector<std::pair<std::string, caf::actor>> children;
  std::unordered_map<std::string, worker_pool_actor> pools;
  for (auto& skill : catalog.all()) {
    worker_pool_config pc;
    pc.node_name = node.name;
    pc.workers = skill->workers > 0 ? skill->workers : cfg.workers;
    pc.queue_capacity = skill->queue_capacity > 0 ? skill->queue_capacity
                                                  : cfg.queue_capacity;
    pc.default_timeout = skill->timeout > caf::timespan{0}
                           ? skill->timeout
                           : cfg.default_timeout;
    pc.metrics = metrics;
    auto pool = sys.spawn(worker_pool, skill, std::move(pc));
    children.emplace_back("pool " + skill->name,
                          caf::actor_cast<caf::actor>(pool));
    pools.emplace(skill->name, std::move(pool));
  }
  router_config rc;
  rc.node_name = node.name;
  rc.address = cfg.host + ":" + std::to_string(port);
  rc.max_job_bytes = cfg.max_job_bytes;
  rc.metrics = metrics;
  node.router = sys.spawn(router, std::move(rc), std::move(pools));
  children.emplace_back("router", caf::actor_cast<caf::actor>(node.router));
  gateway_config gc;
  gc.node_name = node.name;
  gc.max_message_bytes = std::max<uint64_t>(cfg.max_job_bytes * 4,
                                            cfg.max_job_bytes + (1 << 20));
  gc.metrics = metrics;
  node.gateway = sys.spawn(gateway, std::move(gc), node.router);
  children.emplace_back("gateway", caf::actor_cast<caf::actor>(node.gateway));
  node.supervisor = sys.spawn(node_supervisor, children);
  if (publish) {
    caf::error last_error;
    for (int i = 0; i < attempts; ++i) {
      auto res = sys.middleman().publish(node.gateway, port, cfg.host.c_str(),
                                         false);
      if (res) {
        node.port = *res;
        if (cfg.name.empty())
          node.name = cfg.host + ":" + std::to_string(node.port);
        last_error = caf::none;
        break;
      }
      last_error = publish_error(cfg, port, res.error());
      if (cfg.port != 0)
        break;
      port = pick_free_port(cfg.host);
    }
    if (last_error) {
      caf::anon_send(node.supervisor, atom::stop::value);
      return last_error;
    }
    log::node().info("node {} listening on {}:{} with {} skills", node.name,
                     cfg.host, node.port, catalog.size());
  }
  return node;
}

void stop_node(caf::actor_system& sys, node_handle& node) {
  if (node.port != 0)
    static_cast<void>(sys.middleman().unpublish(node.gateway, node.port));
  if (node.supervisor)
    caf::anon_send(node.supervisor, atom::stop::value);
  node.supervisor = nullptr;
}

} // namespace troupe
