#include "node/spawn/node.hpp"

#include "actors/door/door_server.hpp"
#include "actors/door/keeper_actor.hpp"
#include "actors/door/token_file.hpp"
#include "actors/http/dashboard.hpp"
#include "actors/http/http_server.hpp"
#include "actors/http/tls_front.hpp"
#include "actors/ingress/router.hpp"
#include "actors/log/logging.hpp"
#include "actors/rpc/grpc_host.hpp"
#include "actors/rpc/port_guard.hpp"
#include "actors/rpc/tls_material.hpp"
#include "actors/supervision/supervisor.hpp"
#include "cluster/member_port.hpp"
#include "messages/errors.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/cache_preload.hpp"
#include "node/spawn/spawn_components.hpp"
#include "node/spawn/tree_context.hpp"

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

// Where other members reach this node: --advertise, else the host it
// listens on, unless that is every address (0.0.0.0, ::), which nobody can
// dial: then the machine's host name (member certificates must name it).
std::string advertised_address(const config::node_config& cfg,
                               uint16_t cluster_port) {
  if (!cfg.advertise.empty())
    return cfg.advertise;
  auto host = cfg.host;
  if (host == "0.0.0.0" || host == "::" || host == "[::]") {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0')
      host = name;
    log::node().info("listening on every address: other members reach this "
                     "node at {}:{} (--advertise HOST:PORT says otherwise)",
                     host, cluster_port);
  }
  return host + ":" + std::to_string(cluster_port);
}

// The largest message a client or a member may send: a batch of several
// jobs of the largest size, or many small ones.
uint64_t max_message_bytes(const config::node_config& cfg) {
  return std::max<uint64_t>(cfg.max_job_bytes * 4,
                            cfg.max_job_bytes + (1 << 20));
}

// Spawns the node's tree for its ports: its name (from the client port)
// and its address in the cluster depend on them.
node_handle
spawn_tree(caf::actor_system& sys, const config::node_config& cfg,
           const skills::skill_catalog& catalog, node_metrics* all,
           uint16_t port, std::shared_ptr<cluster::member_port> members,
           const std::vector<std::shared_ptr<rpc::grpc_host>>& servers) {
  auto cluster_port = members->port() != 0 ? members->port()
                                           : config::cluster_port_of(cfg);
  node_handle node;
  node.port = port;
  node.cluster_port = cluster_port;
  auto address = advertised_address(cfg, cluster_port);
  node.name = cfg.name.empty() ? cfg.host + ":" + std::to_string(port)
                               : cfg.name;
  auto tc = make_tree_context(sys, cfg, all, node.name, address);
  node.incarnation = tc.incarnation;
  if (all != nullptr)
    node.jobs = all->jobs();
  if (!servers.empty())
    tc.listeners = [servers] {
      std::vector<health::health_sample::listener> out;
      for (auto& s : servers)
        for (auto& l : s->listeners())
          out.push_back({l.what, l.refused, l.accepting});
      return out;
    };
  cluster::member_links_config lc;
  lc.name = node.name;
  lc.address = address;
  lc.gateway = tc.name_of<gateway_actor>(tree_path::gateway);
  lc.limits.reply_poll = std::chrono::duration_cast<std::chrono::microseconds>(
    cfg.cluster.link_reply_poll);
  for (auto& serial : cfg.cluster.deny_serials)
    lc.trust.denied_serials.insert(config::normalized_serial(serial));
  tc.links = members->open(sys, std::move(lc));
  node.members = std::move(members);
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
  node.address = address;
  return node;
}

// What the door holds its clients to, from the node's configuration.
door::door_limits door_limits_of(const config::node_config& cfg) {
  door::door_limits lim;
  lim.max_concurrent_streams = static_cast<int>(cfg.door.max_streams);
  lim.max_connections = cfg.door.max_connections;
  lim.handshake_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    cfg.door.handshake_timeout);
  lim.max_connection_idle
    = std::chrono::duration_cast<std::chrono::milliseconds>(
      cfg.door.idle_timeout);
  lim.resource_quota_bytes = static_cast<int64_t>(cfg.door.memory);
  lim.max_job_bytes = cfg.max_job_bytes;
  lim.max_message_bytes = max_message_bytes(cfg);
  return lim;
}

caf::expected<door::door_context>
door_for(caf::actor_system& sys, const config::node_config& cfg,
         const node_handle& node, std::function<void()> drain,
         rpc::tls_material tls) {
  door::door_context dc;
  dc.tls = std::move(tls);
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
  dc.limits = door_limits_of(cfg);
  dc.sys = &sys;
  dc.gateway = node.gateway_name;
  dc.router = node.router;
  dc.node_name = node.name;
  dc.address = cfg.host + ":" + std::to_string(node.port);
  dc.cluster_address = node.address;
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
  auto member_tls = rpc::load_tls({cfg.cluster.tls_cert, cfg.cluster.tls_key,
                                   cfg.cluster.tls_ca, "--cluster-cert",
                                   "--cluster-key", "--cluster-ca"});
  if (!member_tls)
    return member_tls.error();
  if (!publish) {
    cluster::member_port_config mc;
    mc.listen = false;
    mc.tls = *member_tls;
    auto server = std::make_shared<rpc::grpc_host>(mc.limits, "troupe.links");
    auto members = cluster::member_port::prepare(mc, *server);
    if (!members)
      return members.error();
    if (auto err = server->start())
      return err;
    auto node = spawn_tree(sys, cfg, catalog, metrics, cfg.port,
                           std::move(*members), {});
    node.servers.push_back(std::move(server));
    node.port = 0;
    node.cluster_port = 0;
    node.keeper_heirs->close("node " + node.name
                             + " serves no gRPC door, so it holds no "
                               "detached jobs");
    run_preload_jobs(sys, node.router, cfg.cache.preload_jobs, preload_wait);
    return node;
  }
  auto door_tls
    = rpc::load_tls({cfg.door.tls_cert, cfg.door.tls_key, cfg.door.tls_ca});
  if (!door_tls)
    return door_tls.error();
  auto dl = door_limits_of(cfg);
  cluster::member_port_config mc;
  mc.host = cfg.host;
  mc.port = config::cluster_port_of(cfg);
  mc.local_address = rpc::is_local_address(cfg.host);
  mc.tls = *member_tls;
  mc.limits.max_message_bytes = max_message_bytes(cfg);
  // Both ports bind before the tree starts: the node's name and its
  // address in the cluster depend on them (port 0: the listener picks a
  // free one). One server serves both, so that one thread carries a job
  // from a client to a member and back, unless the cluster port cannot
  // tell its calls from the door's (plaintext on another address than
  // 127.0.0.1 or ::1).
  std::vector<std::shared_ptr<rpc::grpc_host>> servers;
  if (cluster::member_port::guarded_credentials(mc)) {
    servers.push_back(std::make_shared<rpc::grpc_host>(
      rpc::combined(dl, mc.limits), "troupe.grpc"));
  } else {
    servers.push_back(std::make_shared<rpc::grpc_host>(dl, "troupe.door"));
    servers.push_back(
      std::make_shared<rpc::grpc_host>(mc.limits, "troupe.links"));
  }
  auto door = door::door_server::prepare(*servers.front(), cfg.host, cfg.port,
                                         *door_tls, dl);
  if (!door)
    return door.error();
  auto members = cluster::member_port::prepare(mc, *servers.back());
  if (!members)
    return members.error();
  for (auto& server : servers)
    if (auto err = server->start())
      return err;
  auto node = spawn_tree(sys, cfg, catalog, metrics, (*door)->port(),
                         std::move(*members), servers);
  node.servers = servers;
  node.door = std::move(*door);
  run_preload_jobs(sys, node.router, cfg.cache.preload_jobs, preload_wait);
  auto dc = door_for(sys, cfg, node, drain, *door_tls);
  if (!dc) {
    stop_node(sys, node);
    return dc.error();
  }
  node.keeper = sys.spawn(door::keeper_service, dc->keeper, node.gateway_name);
  node.keeper_heirs->take_over(
    caf::actor_cast<caf::strong_actor_ptr>(node.keeper));
  node.door->serve(std::move(*dc));
  log::node().info("node {} serving clients on {}:{} and members on {}:{} "
                   "with {} skills",
                   node.name, cfg.host, node.port, cfg.host, node.cluster_port,
                   catalog.size());
  return node;
}

uint16_t http_port_of(const node_handle& node) {
  if (node.https)
    return node.https->port();
  return node.http ? node.http->port() : 0;
}

void mark_draining(node_handle& node) {
  if (node.door)
    node.door->set_serving(false);
}

caf::error serve_http(node_handle& node, const config::node_config& cfg) {
  if (cfg.http_port < 0)
    return caf::none;
  if (!node.door || node.servers.empty())
    return caf::make_error(error_code::invalid_config,
                           "the HTTP API needs the node's gRPC door");
  http::api_options opts;
  opts.query_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    door_limits_of(cfg).query_timeout * 2);
  auto api = std::make_shared<http::json_api>(
    node.servers.front()->in_process_channel(), opts);
  http::server_limits limits;
  // A job's input, escaped as JSON or base64, and its envelope.
  limits.max_body_bytes = cfg.max_job_bytes * 2 + (1 << 20);
  // With the door's TLS, the port speaks HTTPS: TLS ends in troupe's own
  // front (civetweb cannot do it here), which forwards to the HTTP server
  // on a loopback port of its own.
  auto tls
    = rpc::load_tls({cfg.door.tls_cert, cfg.door.tls_key, cfg.door.tls_ca});
  if (!tls)
    return std::move(tls.error());
  auto https = tls->enabled();
  http::dashboard_options dash_opts;
  dash_opts.origins = cfg.http_origins;
  dash_opts.https = https;
  auto dash = std::make_shared<http::dashboard>(api, node.jobs, dash_opts);
  auto server = http::http_server::start(
    https ? std::string{"127.0.0.1"} : cfg.host,
    https ? uint16_t{0} : static_cast<uint16_t>(cfg.http_port), limits,
    [api, dash](const http::request& req) {
      if (auto res = dash->handle(req))
        return std::move(*res);
      return api->handle(req);
    });
  if (!server)
    return std::move(server.error());
  (*server)->serve_websocket("/v1/dashboard", dash);
  if (https) {
    auto front = http::tls_front::start(
      cfg.host, static_cast<uint16_t>(cfg.http_port), *tls, (*server)->port());
    if (!front)
      return std::move(front.error());
    node.https = std::move(*front);
  }
  node.dashboard = std::move(dash);
  node.http = std::move(*server);
  return caf::none;
}

void stop_node(caf::actor_system&, node_handle& node,
               std::chrono::milliseconds grace) {
  // Neither port takes connections any more, and the links to other
  // members end now: what they carried fails over there.
  if (node.door)
    node.door->close();
  if (node.members)
    node.members->close();
  // Client calls in progress get `grace` to finish; the servers stop
  // before the services they refer to go.
  for (auto& server : node.servers)
    server->stop(grace);
  // HTTP requests waiting on the door got their answers (or the door's
  // refusal) when it stopped; what comes now is refused the same way.
  if (node.https)
    node.https->stop();
  if (node.dashboard)
    node.dashboard->stop();
  if (node.http)
    node.http->stop();
  node.http.reset();
  node.https.reset();
  node.dashboard.reset();
  node.servers.clear();
  node.door.reset();
  node.members.reset();
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
