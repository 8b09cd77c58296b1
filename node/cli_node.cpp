#include "actors/builtin_skills.hpp"
#include "config/logging.hpp"
#include "messages/errors.hpp"
#include "node/cli.hpp"
#include "node/node.hpp"
#include "node/node_metrics.hpp"
#include "node/system_config.hpp"

#include <caf/scoped_actor.hpp>

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace troupe::cli {

namespace {

struct node_options {
  node_config cfg;
  std::string max_job_bytes = "16MiB";
  std::string default_timeout = "60s";
  std::string port_file;
};

// Blocks the stop signals in this thread and every thread started after, so
// that only the main thread's sigwait sees them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client vanishing mid-write must not kill the node.
  std::signal(SIGPIPE, SIG_IGN);
  return set;
}

int run_node(node_options& opts) {
  auto max_bytes = parse_bytes(opts.max_job_bytes);
  if (!max_bytes)
    return fail(exit_usage,
                "--max-job-bytes: " + message_of(max_bytes.error()));
  opts.cfg.max_job_bytes = *max_bytes;
  auto timeout = parse_duration(opts.default_timeout);
  if (!timeout)
    return fail(exit_usage,
                "--default-timeout: " + message_of(timeout.error()));
  opts.cfg.default_timeout = *timeout;
  auto cfg = validate(opts.cfg);
  if (!cfg)
    return fail(exit_usage, message_of(cfg.error()));
  log::set_level(*log::parse_level(cfg->log_level));
  skill_catalog catalog;
  if (auto err = add_builtin_skills(catalog))
    return fail(exit_usage, message_of(err));
  if (cfg->test_skills)
    if (auto err = add_test_skills(catalog))
      return fail(exit_usage, message_of(err));
  auto metrics = std::make_unique<node_metrics>();
  if (cfg->metrics_port != 0)
    if (auto err = metrics->expose(cfg->host, cfg->metrics_port))
      return fail(exit_usage, message_of(err));
  auto signals = block_stop_signals();
  system_config sys_cfg;
  sys_cfg.scheduler(cfg->scheduler, cfg->threads);
  caf::actor_system sys{sys_cfg};
  auto node = spawn_node(sys, *cfg, catalog, metrics->jobs());
  if (!node) {
    std::cerr << "troupe: " << message_of(node.error()) << std::endl;
    std::fflush(nullptr);
    // Skip the actor system's teardown: nothing has run yet.
    std::_Exit(exit_usage);
  }
  if (!opts.port_file.empty()) {
    // Written to a temporary name and renamed, so readers never see a
    // partial file.
    auto tmp = opts.port_file + ".tmp";
    std::ofstream{tmp} << node->port << "\n";
    std::rename(tmp.c_str(), opts.port_file.c_str());
  }
  std::cout << "troupe node " << node->name << " listening on " << cfg->host
            << ":" << node->port << " (" << catalog.size() << " skills"
            << (cfg->metrics_port != 0
                  ? ", metrics on :" + std::to_string(cfg->metrics_port)
                  : std::string{})
            << ")" << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  log::node().info("received signal {}, stopping", sig);
  caf::actor sup = node->supervisor;
  stop_node(sys, *node);
  {
    caf::scoped_actor self{sys};
    self->wait_for(sup);
  }
  spdlog::shutdown();
  std::fflush(nullptr);
  // A native skill blocked in its own code cannot be interrupted; exiting
  // here instead of joining every worker thread keeps shutdown bounded.
  std::_Exit(exit_ok);
}

} // namespace

std::pair<CLI::App*, command_runner> add_node_command(CLI::App& app) {
  auto opts = std::make_shared<node_options>();
  auto& c = opts->cfg;
  auto* sub = app.add_subcommand("node", "run a troupe node");
  sub->add_option("--host", c.host, "address to listen on")
    ->capture_default_str();
  sub->add_option("--port", c.port, "port to listen on (0 = any free port)")
    ->capture_default_str();
  sub->add_option("--name", c.name, "node name (default HOST:PORT)");
  sub
    ->add_option("--log-level", c.log_level,
                 "trace, debug, info, warn, error, critical or off")
    ->capture_default_str();
  sub
    ->add_option("--metrics-port", c.metrics_port,
                 "serve Prometheus metrics on this port (0 = off)")
    ->capture_default_str();
  sub->add_flag("--test-skills", c.test_skills,
                "also offer fail, flaky, slow and crash (fault injection)");
  sub
    ->add_option("--max-job-bytes", opts->max_job_bytes,
                 "largest job input accepted, e.g. 16MiB")
    ->capture_default_str();
  sub->add_option("--workers", c.workers, "workers per skill")
    ->capture_default_str();
  sub
    ->add_option("--queue-capacity", c.queue_capacity,
                 "queued jobs per skill before OVERLOADED")
    ->capture_default_str();
  sub
    ->add_option("--default-timeout", opts->default_timeout,
                 "deadline of jobs that set none, e.g. 60s")
    ->capture_default_str();
  sub->add_option("--threads", c.threads, "actor scheduler threads")
    ->capture_default_str();
  sub
    ->add_option("--scheduler", c.scheduler,
                 "actor scheduler policy: sharing or stealing")
    ->capture_default_str();
  sub->add_option("--port-file", opts->port_file,
                  "write the listening port to this file once ready");
  return {sub, [opts] {
            return run_node(*opts);
          }};
}

} // namespace troupe::cli
