// Measures what a breaker costs on the job path: in-process no-op jobs/s
// through a node for a skill without a breaker, with a closed breaker, with
// a breaker and retries armed (the breaker keeps a copy of each job), and
// with a breaker forced open (every job answered BREAKER_OPEN at once), in
// the same actor system, runs interleaved.
//
//   troupe-bench-breaker [--jobs N] [--inflight 10,1000] [--runs R]
//                        [--markdown]

#include "actors/log/logging.hpp"
#include "actors/skills/skill.hpp"
#include "bench/job_client.hpp"
#include "bench/path_node.hpp"
#include "messages/errors.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/node_metrics.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace troupe;
using namespace troupe::bench;

skills::skill_definition noop(std::string name, bool breaker, bool retries) {
  skills::skill_definition def;
  def.name = std::move(name);
  def.description = "does nothing";
  def.mode = skills::skill_mode::in_pool;
  def.breaker.enabled = breaker;
  if (retries) {
    def.max_attempts = 3;
    def.retry.retry_on = retryable_statuses();
  }
  def.fn = [](const std::string&) {
    return skills::skill_output::success({});
  };
  return def;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"the job path with and without a breaker"};
  variant_options opts;
  opts.add_to(app);
  CLI11_PARSE(app, argc, argv);
  if (!opts.check())
    return 2;
  log::set_level(spdlog::level::warn);
  node::system_config cfg;
  cfg.scheduler("sharing", 1);
  caf::actor_system sys{cfg};
  skills::skill_catalog catalog;
  if (catalog.add(noop("noop", false, false))
      || catalog.add(noop("noop-breaker", true, false))
      || catalog.add(noop("noop-retries", true, true))
      || catalog.add(noop("noop-open", true, false)))
    return 1;
  node::node_metrics metrics;
  auto node = bench::spawn_path_node(sys, catalog, metrics);
  if (!node)
    return 1;
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
        [&](caf::error& err) {
          std::fprintf(stderr, "cannot force the breaker open: %s\n",
                       describe(err).c_str());
        });
    if (!forced) {
      node::stop_node(sys, *node);
      return 1;
    }
  }
  std::string kib(1024, 'x');
  // Each against the same input without a breaker.
  std::vector<job_variant> variants{
    {"no breaker", {"noop", false, "", job_status::ok}, 0},
    {"breaker, closed", {"noop-breaker", false, "", job_status::ok}, 0},
    {"breaker and retries armed",
     {"noop-retries", false, "", job_status::ok},
     0},
    {"breaker forced open",
     {"noop-open", false, "", job_status::breaker_open},
     0},
    {"no breaker, 1 KiB input", {"noop", false, kib, job_status::ok}, 4},
    {"breaker and retries, 1 KiB input",
     {"noop-retries", false, kib, job_status::ok},
     4},
  };
  run_variants(sys, node->router, variants, opts, "skill", "vs no breaker");
  node::stop_node(sys, *node);
  return 0;
}
