#include "actors/http/http_server.hpp"
#include "actors/log/logging.hpp"
#include "actors/pool/process_worker.hpp"
#include "config/config_file.hpp"
#include "messages/errors.hpp"
#include "node/cli/cli.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/node_metrics.hpp"
#include "node/spawn/skill_setup.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/scoped_actor.hpp>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <utility>
#include <vector>

namespace troupe::cli {

namespace {

struct node_options {
  /// Values as given on the command line; only the options actually given
  /// override the config file (see `overrides`).
  config::node_config cli;
  std::string max_job_bytes;
  std::string default_timeout;
  std::string drain_timeout;
  std::string config_file;
  std::string port_file;
  std::string join;
  /// Per option: whether it was given, and how to copy it over.
  std::vector<std::pair<CLI::Option*, void (*)(config::node_config&,
                                               const config::node_config&)>>
    overrides;
};

// Defaults, then the config file, then the options given on the command
// line; each step checked.
caf::expected<config::node_config>
resolve_config(node_options& opts, std::vector<config::skill_config>& skills,
               std::string& origin) {
  config::node_config cfg;
  if (!opts.config_file.empty()) {
    auto file = config::load_config_file(opts.config_file, cfg);
    if (!file)
      return file.error();
    cfg = std::move(file->node);
    skills = std::move(file->skills);
    origin = opts.config_file;
  }
  if (!opts.max_job_bytes.empty()) {
    auto bytes = config::parse_bytes(opts.max_job_bytes);
    if (!bytes)
      return caf::make_error(error_code::invalid_config,
                             "--max-job-bytes: " + message_of(bytes.error()));
    opts.cli.max_job_bytes = *bytes;
  }
  if (!opts.default_timeout.empty()) {
    auto timeout = config::parse_duration(opts.default_timeout);
    if (!timeout)
      return caf::make_error(error_code::invalid_config,
                             "--default-timeout: "
                               + message_of(timeout.error()));
    opts.cli.default_timeout = *timeout;
  }
  if (!opts.drain_timeout.empty()) {
    auto timeout = config::parse_duration(opts.drain_timeout);
    if (!timeout)
      return caf::make_error(error_code::invalid_config,
                             "--drain-timeout: " + message_of(timeout.error()));
    opts.cli.drain_timeout = *timeout;
  }
  for (auto& [option, copy] : opts.overrides)
    if (option->count() > 0)
      copy(cfg, opts.cli);
  if (!opts.join.empty()) {
    auto seeds = config::parse_seeds(opts.join);
    if (!seeds)
      return seeds.error();
    cfg.cluster.seeds = std::move(*seeds);
  }
  return config::validate(std::move(cfg));
}

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

// How long a stopping node waits for its worker processes: each may use
// its skill's grace period twice (after EOF, after SIGTERM).
std::chrono::milliseconds shutdown_wait(const skills::skill_catalog& catalog) {
  caf::timespan longest{0};
  for (auto& skill : catalog.all())
    if (skill->kind == skills::skill_kind::process)
      longest = std::max(longest, skill->process.kill_grace);
  return std::chrono::duration_cast<std::chrono::milliseconds>(2 * longest)
         + std::chrono::seconds(1);
}

// Joins through the seeds before the node reports ready; a refusal (the
// name is taken) or seeds that never answer stop the node.
caf::error join_cluster(caf::actor_system& sys, const node::node_handle& node,
                        const config::cluster_config& cfg) {
  if (cfg.seeds.empty())
    return caf::none;
  caf::scoped_actor self{sys};
  caf::error result;
  self
    ->request(node.membership, cfg.join_timeout + std::chrono::seconds(2),
              atom::join::value)
    .receive([](bool) {},
             [&](caf::error& err) {
               result = std::move(err);
             });
  return result;
}

// Tells the peers this node is going away, so that they do not wait for
// the failure detector to declare it down.
void leave_cluster(caf::actor_system& sys, const node::node_handle& node) {
  caf::scoped_actor self{sys};
  self->request(node.membership, std::chrono::seconds(3), atom::leave::value)
    .receive([](bool) {}, [](caf::error&) {});
}

// Waits up to `timeout` for SIGINT or SIGTERM; the signal, or 0.
int next_signal(const sigset_t& signals, caf::timespan timeout) {
  auto ns = timeout.count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000),
              static_cast<long>(ns % 1'000'000'000)};
  auto sig = sigtimedwait(&signals, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// Jobs the gateway still has in flight; with `cancel`, ends them CANCELLED
// first and waits until its clients confirmed receipt of their results
// (the gateway bounds that wait by its delivery timeout, 2 s). A gateway
// that does not answer counts as done.
uint64_t gateway_jobs(caf::actor_system& sys, const node::node_handle& node,
                      bool cancel, const std::string& why = {}) {
  caf::scoped_actor self{sys};
  uint64_t out = 0;
  auto on_count = [&](uint64_t n) {
    out = n;
  };
  auto on_error = [](caf::error&) {};
  if (cancel)
    self
      ->request(node.current_gateway(), std::chrono::seconds(5),
                atom::cancel::value, why)
      .receive(on_count, on_error);
  else
    self
      ->request(node.current_gateway(), std::chrono::seconds(1),
                atom::drain::value)
      .receive(on_count, on_error);
  return out;
}

// Graceful drain: the gateway refuses new jobs (OVERLOADED, retryable)
// while those in flight finish, until none is left or the drain deadline
// passes; what is left then ends CANCELLED. A second signal cuts the wait
// short. True when the drain ran to its end, false when forced.
bool drain(caf::actor_system& sys, const node::node_handle& node,
           const config::node_config& cfg, const sigset_t& signals) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + cfg.drain_timeout;
  auto left = gateway_jobs(sys, node, false);
  log::node().info("draining: {} jobs in flight, waiting up to {}", left,
                   config::duration_text(cfg.drain_timeout));
  std::cout << "troupe: draining " << left << " jobs in flight (up to "
            << config::duration_text(cfg.drain_timeout)
            << "; signal again to stop at once)" << std::endl;
  bool forced = false;
  while (left > 0 && clock::now() < deadline) {
    if (next_signal(signals, std::chrono::milliseconds(50)) != 0) {
      forced = true;
      break;
    }
    left = gateway_jobs(sys, node, false);
  }
  // Also when nothing is left: the gateway then only makes sure that its
  // clients received the results it sent, so that exiting loses none.
  auto why = forced ? "node " + node.name + " was stopped at once"
                    : "node " + node.name
                        + " stopped before the job finished (drain deadline "
                        + config::duration_text(cfg.drain_timeout) + ")";
  auto n = gateway_jobs(sys, node, true, why);
  if (n > 0)
    log::node().warn("drain {}: {} jobs ended CANCELLED",
                     forced ? "cut short" : "deadline passed", n);
  return !forced;
}

// Runs until SIGINT or SIGTERM (or until the root supervisor gives up),
// then drains and stops the node; the process's exit code.
int run_until_stopped(caf::actor_system& sys, node::node_handle& node,
                      const config::node_config& cfg, const sigset_t& signals) {
  caf::scoped_actor self{sys};
  self->monitor(node.supervisor);
  auto root_down = [&](caf::timespan wait) {
    bool down = false;
    self->receive(
      [&](caf::down_msg&) {
        down = true;
      },
      caf::after(wait) >> [] {});
    return down;
  };
  int sig = 0;
  while ((sig = next_signal(signals, std::chrono::milliseconds(250))) == 0)
    if (root_down(caf::timespan{0})) {
      log::node().critical("the node's root supervisor gave up; stopping");
      return exit_job_failed; // the node failed: not a clean stop
    }
  log::node().info("received signal {}, draining", sig);
  node::mark_draining(node);
  leave_cluster(sys, node);
  auto graceful = drain(sys, node, cfg, signals);
  node::stop_node(sys, node);
  if (graceful) {
    // Every actor stops within its shutdown timeout; a second signal cuts
    // the wait short.
    auto limit = std::chrono::steady_clock::now()
                 + cfg.supervision.shutdown_timeout * 10;
    while (!root_down(std::chrono::milliseconds(50))
           && std::chrono::steady_clock::now() < limit)
      if (next_signal(signals, caf::timespan{0}) != 0)
        break;
  }
  log::node().info("stopped");
  return exit_ok;
}

int run_node(node_options& opts) {
  std::vector<config::skill_config> skill_cfgs;
  std::string origin = "--config";
  auto cfg = resolve_config(opts, skill_cfgs, origin);
  if (!cfg)
    return fail(exit_usage, message_of(cfg.error()));
  log::set_format(*log::parse_format(cfg->log_format));
  log::set_level(*log::parse_level(cfg->log_level));
  auto catalog = node::make_node_catalog(*cfg, skill_cfgs, origin);
  if (!catalog)
    return fail(exit_usage, message_of(catalog.error()));
  auto metrics = std::make_unique<node::node_metrics>();
  if (cfg->metrics_port != 0)
    if (auto err = metrics->expose(cfg->metrics_host, cfg->metrics_port))
      return fail(exit_usage, message_of(err));
  auto signals = block_stop_signals();
  // Every connection takes a descriptor: take all the system allows (the
  // door keeps a reserve of them free for the rest of the node).
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0
      && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  node::system_config sys_cfg;
  sys_cfg.scheduler(cfg->scheduler, cfg->threads);
  caf::actor_system sys{sys_cfg};
  // A client's Drain call stops the node as SIGTERM does.
  auto node = node::spawn_node(sys, *cfg, *catalog, metrics.get(), true, [] {
    ::kill(::getpid(), SIGTERM);
  });
  if (!node) {
    std::cerr << "troupe: " << message_of(node.error()) << std::endl;
    std::fflush(nullptr);
    // Skip the actor system's teardown: nothing has run yet.
    std::_Exit(exit_usage);
  }
  if (auto err = join_cluster(sys, *node, cfg->cluster)) {
    auto refused = err.category() == caf::atom("troupe")
                   && static_cast<error_code>(err.code())
                        == error_code::rejected;
    std::cerr << "troupe: " << message_of(err) << std::endl;
    std::fflush(nullptr);
    std::_Exit(refused ? exit_usage : exit_unreachable);
  }
  // The HTTP port opens once the node is a member: a probe of /readyz
  // that connects finds it joined.
  if (auto err = node::serve_http(*node, *cfg)) {
    std::cerr << "troupe: " << message_of(err) << std::endl;
    std::fflush(nullptr);
    std::_Exit(exit_usage);
  }
  if (!opts.port_file.empty()) {
    // Written to a temporary name and renamed, so readers never see a
    // partial file. A third line has the HTTP port when it is served.
    auto tmp = opts.port_file + ".tmp";
    {
      std::ofstream out{tmp};
      out << node->port << "\n" << node->cluster_port << "\n";
      if (node->http)
        out << node::http_port_of(*node) << "\n";
    }
    std::rename(tmp.c_str(), opts.port_file.c_str());
  }
  std::cout << "troupe node " << node->name << " serving clients on "
            << cfg->host << ":" << node->port << ", members on " << cfg->host
            << ":" << node->cluster_port << " (" << catalog->size() << " skills"
            << (node->http
                  ? std::string{node->https ? ", HTTPS on " : ", HTTP on "}
                      + cfg->host + ":"
                      + std::to_string(node::http_port_of(*node))
                  : std::string{})
            << (cfg->metrics_port != 0
                  ? ", metrics on " + cfg->metrics_host + ":"
                      + std::to_string(cfg->metrics_port)
                  : std::string{})
            << ")" << std::endl;
  auto code = run_until_stopped(sys, *node, *cfg, signals);
  // The pools are gone, and with them every worker process was asked to
  // exit (EOF, then SIGTERM and SIGKILL after the grace periods): reap
  // them all, so that the node leaves no process behind.
  if (auto left = pool::process_worker::wait_all(shutdown_wait(*catalog));
      left > 0)
    log::node().warn("{} worker processes did not end in time", left);
  spdlog::shutdown();
  std::fflush(nullptr);
  // A native skill blocked in its own code cannot be interrupted; exiting
  // here instead of joining every worker thread keeps shutdown bounded.
  std::_Exit(code);
}

} // namespace

std::pair<CLI::App*, command_runner> add_node_command(CLI::App& app) {
  auto opts = std::make_shared<node_options>();
  auto& c = opts->cli;
  auto* sub = app.add_subcommand("node", "run a troupe node");
  // Registers an option whose value, when given, overrides the config file.
  auto add = [&](CLI::Option* option, auto member) {
    opts->overrides.emplace_back(option, member);
    return option;
  };
  using cfg = config::node_config;
  add(
    sub->add_option("--host", c.host, "address to listen on"),
    +[](cfg& dst, const cfg& src) {
      dst.host = src.host;
    })
    ->default_str(c.host);
  add(
    sub->add_option("--port", c.port,
                    "client port, gRPC (0 = any free port, for the cluster "
                    "port too)"),
    +[](cfg& dst, const cfg& src) {
      dst.port = src.port;
    })
    ->capture_default_str();
  add(
    sub->add_option("--cluster-port", c.cluster_port,
                    "port other members connect to (default: --port + 1000)"),
    +[](cfg& dst, const cfg& src) {
      dst.cluster_port = src.cluster_port;
    });
  add(
    sub->add_option("--advertise", c.advertise,
                    "HOST:PORT other members reach the cluster port at "
                    "(default: --host and the cluster port; the machine's "
                    "name when --host is 0.0.0.0 or ::)"),
    +[](cfg& dst, const cfg& src) {
      dst.advertise = src.advertise;
    });
  add(
    sub->add_option("--tls-cert", c.door.tls_cert,
                    "PEM certificate of the client port: TLS (with --tls-key)"),
    +[](cfg& dst, const cfg& src) {
      dst.door.tls_cert = src.door.tls_cert;
    });
  add(
    sub->add_option("--tls-key", c.door.tls_key,
                    "PEM private key of --tls-cert"),
    +[](cfg& dst, const cfg& src) {
      dst.door.tls_key = src.door.tls_key;
    });
  add(
    sub->add_option("--tls-ca", c.door.tls_ca,
                    "PEM CA of client certificates: clients must present one "
                    "(mutual TLS)"),
    +[](cfg& dst, const cfg& src) {
      dst.door.tls_ca = src.door.tls_ca;
    });
  add(
    sub->add_option("--tokens", c.door.tokens,
                    "tokens file (troupe tokens add): every call needs a "
                    "bearer token"),
    +[](cfg& dst, const cfg& src) {
      dst.door.tokens = src.door.tokens;
    });
  add(
    sub->add_option("--cluster-cert", c.cluster.tls_cert,
                    "PEM member certificate of this node (troupe certs issue): "
                    "mutual TLS between members"),
    +[](cfg& dst, const cfg& src) {
      dst.cluster.tls_cert = src.cluster.tls_cert;
    });
  add(
    sub->add_option("--cluster-key", c.cluster.tls_key,
                    "PEM private key of --cluster-cert"),
    +[](cfg& dst, const cfg& src) {
      dst.cluster.tls_key = src.cluster.tls_key;
    });
  add(
    sub->add_option("--cluster-ca", c.cluster.tls_ca,
                    "PEM certificate of the cluster CA (troupe certs init)"),
    +[](cfg& dst, const cfg& src) {
      dst.cluster.tls_ca = src.cluster.tls_ca;
    });
  add(
    sub->add_option("--deny-serial", c.cluster.deny_serials,
                    "refuse the member certificate with this serial (hex; "
                    "repeatable)"),
    +[](cfg& dst, const cfg& src) {
      dst.cluster.deny_serials = src.cluster.deny_serials;
    });
  add(
    sub->add_flag(
      "--insecure", c.door.insecure,
      "allow a non-loopback --host without TLS and tokens (clients) or "
      "member TLS"),
    +[](cfg& dst, const cfg& src) {
      dst.door.insecure = src.door.insecure;
    });
  add(
    sub->add_option("--name", c.name, "node name (default HOST:PORT)"),
    +[](cfg& dst, const cfg& src) {
      dst.name = src.name;
    });
  add(
    sub->add_option("--log-level", c.log_level,
                    "trace, debug, info, warn, error, critical or off"),
    +[](cfg& dst, const cfg& src) {
      dst.log_level = src.log_level;
    })
    ->capture_default_str();
  add(
    sub->add_option("--log-format", c.log_format,
                    "text, or json for one JSON object per line"),
    +[](cfg& dst, const cfg& src) {
      dst.log_format = src.log_format;
    })
    ->capture_default_str();
  add(
    sub->add_option("--metrics-port", c.metrics_port,
                    "serve Prometheus metrics on this port (0 = off)"),
    +[](cfg& dst, const cfg& src) {
      dst.metrics_port = src.metrics_port;
    })
    ->capture_default_str();
  add(
    sub
      ->add_option("--http-port", c.http_port,
                   "serve the HTTP/JSON API on --host at this port (0 = any "
                   "free port; off unless given)")
      ->check(CLI::Range(0, 65535)),
    +[](cfg& dst, const cfg& src) {
      dst.http_port = src.http_port;
    });
  add(
    sub->add_option("--http-origin", c.http_origins,
                    "let pages of this web origin use the HTTP port from a "
                    "browser, e.g. https://ops.example.com (repeatable; "
                    "default: only the node's own dashboard)"),
    +[](cfg& dst, const cfg& src) {
      dst.http_origins = src.http_origins;
    });
  add(
    sub->add_option("--metrics-host", c.metrics_host,
                    "address the metrics endpoint listens on (it has no "
                    "authentication: loopback unless you choose otherwise)"),
    +[](cfg& dst, const cfg& src) {
      dst.metrics_host = src.metrics_host;
    })
    ->capture_default_str();
  add(
    sub->add_flag("--test-skills", c.test_skills,
                  "also offer fail, flaky, slow, crash, record and "
                  "record-idem (fault injection), and the crash hook"),
    +[](cfg& dst, const cfg& src) {
      dst.test_skills = src.test_skills;
    });
  add(
    sub->add_option("--max-job-bytes", opts->max_job_bytes,
                    "largest job input accepted, e.g. 16MiB"),
    +[](cfg& dst, const cfg& src) {
      dst.max_job_bytes = src.max_job_bytes;
    })
    ->default_str("16MiB");
  add(
    sub->add_option("--workers", c.workers, "workers per skill"),
    +[](cfg& dst, const cfg& src) {
      dst.workers = src.workers;
    })
    ->capture_default_str();
  add(
    sub->add_option("--queue-capacity", c.queue_capacity,
                    "queued jobs per skill before OVERLOADED"),
    +[](cfg& dst, const cfg& src) {
      dst.queue_capacity = src.queue_capacity;
    })
    ->capture_default_str();
  add(
    sub->add_option("--max-in-flight", c.max_in_flight,
                    "jobs the node's pools hold at once over all skills "
                    "before OVERLOADED"),
    +[](cfg& dst, const cfg& src) {
      dst.max_in_flight = src.max_in_flight;
    })
    ->capture_default_str();
  add(
    sub->add_option("--default-timeout", opts->default_timeout,
                    "deadline of jobs that set none, e.g. 60s"),
    +[](cfg& dst, const cfg& src) {
      dst.default_timeout = src.default_timeout;
    })
    ->default_str("60s");
  add(
    sub->add_option("--threads", c.threads, "actor scheduler threads"),
    +[](cfg& dst, const cfg& src) {
      dst.threads = src.threads;
    })
    ->capture_default_str();
  add(
    sub->add_option("--scheduler", c.scheduler,
                    "actor scheduler policy: sharing or stealing"),
    +[](cfg& dst, const cfg& src) {
      dst.scheduler = src.scheduler;
    })
    ->capture_default_str();
  add(
    sub->add_option("--drain-timeout", opts->drain_timeout,
                    "on SIGTERM/SIGINT, how long jobs in flight may take to "
                    "finish before they end CANCELLED, e.g. 30s"),
    +[](cfg& dst, const cfg& src) {
      dst.drain_timeout = src.drain_timeout;
    })
    ->default_str("30s");
  sub->add_option("--config", opts->config_file,
                  "read node and skill settings from this file (CAF config "
                  "format; options given here take precedence)");
  sub->add_option("--join", opts->join,
                  "join a cluster through these seed nodes' cluster ports, "
                  "HOST:PORT[,HOST:PORT...]");
  sub->add_option("--port-file", opts->port_file,
                  "once ready, write the client port (line 1), the "
                  "cluster port (line 2) and, when served, the HTTP port "
                  "(line 3) to this file");
  return {sub, [opts] {
            return run_node(*opts);
          }};
}

} // namespace troupe::cli
