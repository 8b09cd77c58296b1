// Jobs submitted in-process to an embedded node A that run on a remote node
// B: exactly one network round trip per job, the same as a raw CAF remote
// request/response, so the two compare directly.
//
//   troupe-bench-embedded --join HOST:PORT --skill S [--input I]
//                         [--count N] [--inflight K]
//
// Prints one JSON line: sequential latency percentiles and the jobs/s with
// K jobs in flight.

#include "actors/log/logging.hpp"
#include "actors/skills/skill.hpp"
#include "bench/job_client.hpp"
#include "cluster/placement.hpp"
#include "node/client/latency_summary.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace {

using namespace troupe;
using bench::clock_type;
using bench::report_atom;

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"in-process jobs through an embedded node, run on a peer"};
  std::string join;
  std::string skill;
  std::string input;
  uint64_t count = 3000;
  uint64_t inflight = 256;
  app.add_option("--join", join, "seed node HOST:PORT")->required();
  app.add_option("--skill", skill, "a skill only the peer offers")->required();
  app.add_option("--input", input, "input of every job");
  app.add_option("--count", count, "jobs per measurement")
    ->capture_default_str();
  app.add_option("--inflight", inflight, "jobs in flight when pipelined")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  log::set_level(spdlog::level::warn);
  node::system_config cfg;
  caf::actor_system sys{cfg};
  config::node_config ncfg;
  ncfg.port = 0;
  ncfg.name = "bench-embedded";
  ncfg.cluster.seeds = {join};
  skills::skill_catalog catalog; // offers nothing: every job runs on the peer
  auto node = node::spawn_node(sys, ncfg, catalog);
  if (!node) {
    std::fprintf(stderr, "cannot start: %s\n",
                 sys.render(node.error()).c_str());
    return 1;
  }
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(node->membership, std::chrono::seconds(15), atom::join::value)
    .receive(
      [&](bool) {
        ok = true;
      },
      [&](caf::error& err) {
        std::fprintf(stderr, "cannot join: %s\n", sys.render(err).c_str());
      });
  if (!ok)
    return 1;
  // Wait (bounded) until the peer's skills arrived with a heartbeat.
  auto deadline = clock_type::now() + std::chrono::seconds(15);
  for (ok = false; !ok && clock_type::now() < deadline;) {
    self
      ->request(node->membership, std::chrono::seconds(5), atom::members::value)
      .receive(
        [&](cluster_view& v) {
          ok = cluster::placement::choose(v.members, ncfg.name, skill)
                 .has_value();
        },
        [](caf::error&) {});
    if (!ok)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ok) {
    std::fprintf(stderr, "no member offers skill %s\n", skill.c_str());
    return 1;
  }
  job proto;
  proto.skill = skill;
  proto.input = input;
  auto sink = caf::actor_cast<result_sink_actor>(self.ptr());
  // Warm up the link, then one job at a time.
  client::latency_summary lat;
  for (uint64_t i = 0; i < count + 100; ++i) {
    auto j = proto;
    j.id = i;
    auto t0 = clock_type::now();
    self->send(node->router, std::move(j), sink);
    bool answered = false;
    self->receive(
      [&](job_result& r) {
        answered = r.status == job_status::ok;
      },
      caf::after(std::chrono::seconds(10)) >> [] {});
    if (!answered) {
      std::fprintf(stderr, "job %llu failed\n",
                   static_cast<unsigned long long>(i));
      return 1;
    }
    if (i >= 100)
      lat.add(clock_type::now() - t0);
  }
  bench::job_client_options opts;
  opts.skill = skill;
  opts.input = input;
  sys.spawn(bench::job_client, node->router, caf::actor{self}, count * 20,
            inflight, opts);
  double rate = 0;
  self->receive(
    [&](report_atom, uint64_t jobs, int64_t ns) {
      rate = static_cast<double>(jobs) / (static_cast<double>(ns) / 1e9);
    },
    caf::after(std::chrono::seconds(300)) >> [] {});
  auto us = [](caf::timespan x) {
    return std::chrono::duration<double, std::micro>(x).count();
  };
  std::printf("{\"count\":%llu,\"p50_us\":%.1f,\"p90_us\":%.1f,"
              "\"p99_us\":%.1f,\"inflight\":%llu,\"jobs_per_second\":%.1f}\n",
              static_cast<unsigned long long>(count), us(lat.percentile(50)),
              us(lat.percentile(90)), us(lat.percentile(99)),
              static_cast<unsigned long long>(inflight), rate);
  std::fflush(stdout);
  // Leave cleanly so that the peer does not wait for a failure detector.
  self->request(node->membership, std::chrono::seconds(3), atom::leave::value)
    .receive([](bool) {}, [](caf::error&) {});
  node::stop_node(sys, *node);
  std::_Exit(0);
}
