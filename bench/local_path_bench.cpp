// Measures in-process no-op jobs/s through a node's full job path (router ->
// pool -> worker -> pool -> result sink, metrics included) against raw CAF
// pipelined request/response between two actors in the same actor system,
// at the same numbers of messages in flight, and prints the ratio.
//
//   troupe-bench-local [--jobs N] [--inflight 10,1000] [--runs R]
//                      [--threads T] [--scheduler sharing|stealing]
//                      [--markdown]

#include "actors/log/logging.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "actors/skills/skill.hpp"
#include "bench/job_client.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/node_metrics.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace troupe;
using namespace troupe::bench;

// -- the raw CAF reference: request/response, nothing else ------------------

caf::behavior raw_server(caf::event_based_actor*) {
  return {[](uint64_t x) {
    return x;
  }};
}

struct raw_client_state {
  caf::actor server;
  caf::actor report_to;
  uint64_t total = 0;
  uint64_t sent = 0;
  uint64_t done = 0;
  clock_type::time_point start;
};

void raw_issue(caf::stateful_actor<raw_client_state>* self) {
  auto& st = self->state;
  auto x = st.sent++;
  self->request(st.server, caf::infinite, x).then([self](uint64_t) {
    auto& st = self->state;
    if (++st.done == st.total) {
      auto ns = (clock_type::now() - st.start).count();
      caf::anon_send(st.report_to, report_atom::value, st.done,
                     static_cast<int64_t>(ns));
      self->quit();
      return;
    }
    if (st.sent < st.total)
      raw_issue(self);
  });
}

caf::behavior raw_client(caf::stateful_actor<raw_client_state>* self,
                         caf::actor server, caf::actor report_to,
                         uint64_t total, uint64_t inflight) {
  auto& st = self->state;
  st.server = std::move(server);
  st.report_to = std::move(report_to);
  st.total = total;
  st.start = clock_type::now();
  for (uint64_t i = 0; i < std::min(inflight, total); ++i)
    raw_issue(self);
  return {[](uint64_t) {}};
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"in-process job path vs raw CAF request/response"};
  uint64_t jobs = 200'000;
  std::string inflight_str = "10,1000";
  uint32_t runs = 5;
  uint32_t threads = 1;
  std::string scheduler = "sharing";
  bool markdown = false;
  app.add_option("--jobs", jobs, "round trips per run")->capture_default_str();
  app.add_option("--inflight", inflight_str, "messages in flight, comma list")
    ->capture_default_str();
  app.add_option("--runs", runs, "runs per configuration (median reported)")
    ->capture_default_str();
  app.add_option("--threads", threads, "scheduler threads")
    ->capture_default_str();
  app.add_option("--scheduler", scheduler, "sharing or stealing")
    ->capture_default_str();
  app.add_flag("--markdown", markdown, "print a Markdown table");
  CLI11_PARSE(app, argc, argv);
  std::vector<uint64_t> levels;
  try {
    levels = parse_list(inflight_str);
  } catch (const std::exception&) {
    std::fprintf(stderr, "--inflight expects numbers like 10,1000\n");
    return 2;
  }
  if (levels.empty() || jobs == 0 || runs == 0) {
    std::fprintf(stderr, "--jobs, --runs and --inflight must be positive\n");
    return 2;
  }

  log::set_level(spdlog::level::warn);
  node::system_config cfg;
  cfg.scheduler(scheduler, threads);
  caf::actor_system sys{cfg};
  skills::skill_catalog catalog;
  skills::skill_definition noop;
  noop.name = "noop";
  noop.description = "does nothing";
  noop.mode = skills::skill_mode::in_pool;
  noop.fn = [](const std::string&) {
    return skills::skill_output::success({});
  };
  if (auto err = catalog.add(std::move(noop))) {
    std::fprintf(stderr, "cannot register the noop skill\n");
    return 1;
  }
  node::node_metrics metrics;
  config::node_config ncfg;
  ncfg.workers = 4;
  ncfg.queue_capacity = 1'000'000;
  auto node = node::spawn_node(sys, ncfg, catalog, &metrics, false);
  if (!node) {
    std::fprintf(stderr, "cannot start the node: %s\n",
                 sys.render(node.error()).c_str());
    return 1;
  }
  auto server = sys.spawn(raw_server);

  struct row {
    uint64_t inflight;
    double raw;
    double troupe;
  };
  std::vector<row> rows;
  for (auto level : levels) {
    std::vector<double> raw_rates;
    std::vector<double> job_rates;
    // Interleaved so that machine noise hits both sides alike.
    for (uint32_t i = 0; i < runs; ++i) {
      raw_rates.push_back(measure(sys, [&](caf::actor report_to) {
        sys.spawn(raw_client, server, report_to, jobs, level);
      }));
      job_rates.push_back(measure(sys, [&](caf::actor report_to) {
        sys.spawn(job_client, node->router, report_to, jobs, level,
                  job_client_options{});
      }));
    }
    rows.push_back({level, median(raw_rates), median(job_rates)});
  }
  double best_raw = 0;
  double best_troupe = 0;
  for (auto& r : rows) {
    best_raw = std::max(best_raw, r.raw);
    best_troupe = std::max(best_troupe, r.troupe);
  }
  if (markdown) {
    std::printf("| in flight | raw CAF request/response (msg/s) | troupe "
                "node path (jobs/s) | ratio |\n| ---: | ---: | ---: | ---: "
                "|\n");
    for (auto& r : rows)
      std::printf("| %llu | %.0f | %.0f | %.2f |\n",
                  static_cast<unsigned long long>(r.inflight), r.raw, r.troupe,
                  r.troupe / r.raw);
    std::printf("| best of each | %.0f | %.0f | **%.2f** |\n", best_raw,
                best_troupe, best_troupe / best_raw);
  } else {
    std::printf("%-10s %16s %16s %7s\n", "inflight", "raw CAF msg/s",
                "troupe jobs/s", "ratio");
    for (auto& r : rows)
      std::printf("%-10llu %16.0f %16.0f %7.2f\n",
                  static_cast<unsigned long long>(r.inflight), r.raw, r.troupe,
                  r.troupe / r.raw);
    std::printf("%-10s %16.0f %16.0f %7.2f\n", "best", best_raw, best_troupe,
                best_troupe / best_raw);
  }
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  node::stop_node(sys, *node);
  return 0;
}
