#include "node/spawn/tree_context.hpp"

#include "actors/supervision/restart_policy.hpp"
#include "messages/errors.hpp"
#include "messages/supervision.hpp"

#include <chrono>

namespace troupe::node {

tree_context make_tree_context(caf::actor_system& sys,
                               const config::node_config& cfg,
                               node_metrics* metrics, std::string name,
                               std::string address) {
  return tree_context{
    &sys,
    cfg,
    metrics,
    std::move(name),
    std::move(address),
    static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count()),
    std::make_shared<node_directory>(),
    std::make_shared<name_table>(sys, cfg.queue_capacity),
    cluster::links_actor{},
    std::make_shared<pool::in_flight_limit>(cfg.max_in_flight),
    std::make_shared<base::load_board>(),
    std::make_shared<base::load_board>(),
    {}};
}

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

} // namespace troupe::node
