#include "actors/ingress/gateway.hpp"
#include "actors/log/logging.hpp"
#include "messages/errors.hpp"
#include "messages/supervision.hpp"
#include "node/spawn/spawn_components.hpp"

#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <prometheus/counter.h>

#include <algorithm>

namespace troupe::node {

supervision::child_spec spawn_gateway(const tree_context& tc,
                                      const skills::skill_catalog& catalog) {
  supervision::child_spec spec;
  spec.name = "gateway";
  spec.shutdown_timeout = tc.shutdown_timeout();
  spec.start = [tc, timeouts = skill_timeouts(catalog)](
                 const supervision::child_context& ctx) -> caf::actor {
    auto& cfg = tc.cfg;
    ingress::gateway_config gc;
    gc.node_name = tc.name;
    gc.max_message_bytes = std::max<uint64_t>(cfg.max_job_bytes * 4,
                                              cfg.max_job_bytes + (1 << 20));
    gc.metrics = tc.metrics != nullptr ? tc.metrics->jobs() : nullptr;
    gc.default_timeout = cfg.default_timeout;
    gc.skill_timeouts = timeouts;
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

} // namespace troupe::node
