// Measures what a breaker costs on the job path: in-process no-op jobs/s
// through a node for a skill without a breaker, with a closed breaker, with
// a breaker and retries armed (the breaker keeps a copy of each job), and
// with a breaker forced open (every job answered BREAKER_OPEN at once), in
// the same actor system, runs interleaved.
//
//   troupe-bench-breaker [--jobs N] [--inflight 10,1000] [--runs R]
//                        [--markdown]

#include "actors/skill.hpp"
#include "bench/job_client.hpp"
#include "config/logging.hpp"
#include "node/node.hpp"
#include "node/node_metrics.hpp"
#include "node/system_config.hpp"

#include <caf/all.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace troupe;
using namespace troupe::bench;

skill_definition noop(std::string name, bool breaker, bool retries) {
  skill_definition def;
  def.name = std::move(name);
  def.description = "does nothing";
  def.mode = skill_mode::in_pool;
  def.breaker.enabled = breaker;
  if (retries) {
    def.max_attempts = 3;
    def.retry.retry_on = retryable_statuses();
  }
  def.fn = [](const std::string&) {
    return skill_output::success({});
  };
  return def;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"the job path with and without a breaker"};
  uint64_t jobs = 200'000;
  std::string inflight_str = "10,1000";
  uint32_t runs = 5;
  bool markdown = false;
  app.add_option("--jobs", jobs, "jobs per run")->capture_default_str();
  app.add_option("--inflight", inflight_str, "jobs in flight, comma list")
    ->capture_default_str();
  app.add_option("--runs", runs, "runs per configuration (median reported)")
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
  system_config cfg;
  cfg.scheduler("sharing", 1);
  caf::actor_system sys{cfg};
  skill_catalog catalog;
  if (catalog.add(noop("noop", false, false))
      || catalog.add(noop("noop-breaker", true, false))
      || catalog.add(noop("noop-retries", true, true))
      || catalog.add(noop("noop-open", true, false)))
    return 1;
  node_metrics metrics;
  node_config ncfg;
  ncfg.queue_capacity = 1'000'000;
  auto node = spawn_node(sys, ncfg, catalog, &metrics, false);
  if (!node) {
    std::fprintf(stderr, "cannot start the node: %s\n",
                 sys.render(node.error()).c_str());
    return 1;
  }
  {
    caf::scoped_actor self{sys};
    bool forced = false;
    self
      ->request(node->router, std::chrono::seconds(10), atom::breaker::value,
                std::string{"noop-open"}, breaker_command::force_open)
      .receive(
        [&](breaker_status&) {
          forced = true;
        },
        [&](caf::error&) {});
    if (!forced) {
      std::fprintf(stderr, "cannot force the breaker open\n");
      return 1;
    }
  }
  std::string kib(1024, 'x');
  struct variant {
    const char* label;
    job_client_options opts;
  };
  std::vector<variant> variants{
    {"no breaker", {"noop", false, "", job_status::ok}},
    {"breaker, closed", {"noop-breaker", false, "", job_status::ok}},
    {"breaker and retries armed", {"noop-retries", false, "", job_status::ok}},
    {"breaker forced open", {"noop-open", false, "", job_status::breaker_open}},
    {"no breaker, 1 KiB input", {"noop", false, kib, job_status::ok}},
    {"breaker and retries, 1 KiB input",
     {"noop-retries", false, kib, job_status::ok}},
  };
  if (markdown)
    std::printf("| in flight | skill | jobs/s | vs no breaker |\n"
                "| ---: | --- | ---: | ---: |\n");
  else
    std::printf("%-10s %-34s %12s %8s\n", "inflight", "skill", "jobs/s",
                "ratio");
  for (auto level : levels) {
    std::vector<std::vector<double>> rates(variants.size());
    // Interleaved so that machine noise hits every variant alike.
    for (uint32_t i = 0; i < runs; ++i)
      for (size_t v = 0; v < variants.size(); ++v)
        rates[v].push_back(measure(sys, [&](caf::actor report_to) {
          sys.spawn(job_client, node->router, report_to, jobs, level,
                    variants[v].opts);
        }));
    double base = 0;
    for (size_t v = 0; v < variants.size(); ++v) {
      auto rate = median(rates[v]);
      // Each variant against the same input without a breaker.
      if (v == 0 || v == 4)
        base = rate;
      if (markdown)
        std::printf("| %llu | %s | %.0f | %.2f |\n",
                    static_cast<unsigned long long>(level), variants[v].label,
                    rate, rate / base);
      else
        std::printf("%-10llu %-34s %12.0f %8.2f\n",
                    static_cast<unsigned long long>(level), variants[v].label,
                    rate, rate / base);
    }
  }
  stop_node(sys, *node);
  return 0;
}
