// Measures jobs/s through a node's job path for a skill that caches its
// results, answered from the cache (every job the same input) and missing
// it (every input new), against the same no-op skill without caching, in
// the same actor system, runs interleaved. Also times the cache key digest.
//
//   troupe-bench-cache-path [--jobs N] [--inflight 10,1000] [--runs R]
//                           [--markdown]

#include "actors/cache/cache_digest.hpp"
#include "actors/log/logging.hpp"
#include "actors/skills/skill.hpp"
#include "bench/job_client.hpp"
#include "bench/path_node.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/node_metrics.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace troupe;
using namespace troupe::bench;

skills::skill_definition noop(std::string name, bool cached) {
  skills::skill_definition def;
  def.name = std::move(name);
  def.description = "does nothing";
  def.mode = skills::skill_mode::in_pool;
  def.cache.enabled = cached;
  def.fn = [](const std::string&) {
    return skills::skill_output::success({});
  };
  return def;
}

// Nanoseconds per digest of an input of `size` bytes (best of 5 rounds).
double digest_ns(size_t size) {
  std::string input(size, 'x');
  auto rounds = std::max<size_t>(1, (64u << 20) / std::max<size_t>(size, 64));
  rounds = std::min<size_t>(rounds, 200'000);
  double best = 1e18;
  uint64_t sink = 0;
  for (int r = 0; r < 5; ++r) {
    auto start = clock_type::now();
    for (size_t i = 0; i < rounds; ++i)
      sink += cache::cache_digest("noop-cached", "1", input).w0;
    auto ns
      = std::chrono::duration<double, std::nano>(clock_type::now() - start)
          .count();
    best = std::min(best, ns / static_cast<double>(rounds));
  }
  if (sink == 42)
    std::printf(" ");
  return best;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"cached jobs through the node path vs uncached no-op jobs"};
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
  if (catalog.add(noop("noop", false))
      || catalog.add(noop("noop-cached", true)))
    return 1;
  node::node_metrics metrics;
  auto node = bench::spawn_path_node(sys, catalog, metrics);
  if (!node)
    return 1;
  std::vector<job_variant> variants{
    {"no-op, not cached", {"noop", false, "x"}},
    {"cached, every job a hit", {"noop-cached", false, "x"}},
    {"cached, every job a miss", {"noop-cached", true, ""}},
  };
  run_variants(sys, node->router, variants, opts, "job", "vs not cached");
  std::printf(opts.markdown
                ? "\n| input | key digest (SHA-256) |\n| ---: | ---: |\n"
                : "\n%-10s %s\n",
              "input", "key digest");
  for (size_t size : {16, 1024, 1 << 20}) {
    auto ns = digest_ns(size);
    char per[64];
    if (size >= 4096)
      std::snprintf(per, sizeof(per), "%.0f µs (%.0f MB/s)", ns / 1000.0,
                    static_cast<double>(size) / ns * 1000.0);
    else
      std::snprintf(per, sizeof(per), "%.0f ns", ns);
    if (opts.markdown)
      std::printf("| %zu B | %s |\n", size, per);
    else
      std::printf("%-10zu %s\n", size, per);
  }
  node::stop_node(sys, *node);
  return 0;
}
