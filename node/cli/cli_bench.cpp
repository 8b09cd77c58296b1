#include "config/node_config.hpp"
#include "messages/errors.hpp"
#include "messages/wire/json.hpp"
#include "node/cli/cli.hpp"
#include "node/client/latency_summary.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

namespace troupe::cli {

namespace {

struct bench_options {
  node_target node;
  std::string skill;
  uint64_t jobs = 10'000;
  uint64_t concurrency = 64;
  std::string input;
  std::string timeout;
  bool json = false;
};

double micros(caf::timespan x) {
  return std::chrono::duration<double, std::micro>(x).count();
}

int run_bench(bench_options& opts) {
  if (opts.jobs == 0 || opts.concurrency == 0)
    return fail(exit_usage, "--jobs and --concurrency must be at least 1");
  job proto;
  proto.skill = opts.skill;
  proto.input = opts.input;
  if (!opts.timeout.empty()) {
    auto t = config::parse_duration(opts.timeout);
    if (!t || *t <= caf::timespan{0})
      return fail(exit_usage, "--timeout: expected a positive duration");
    proto.options.timeout = *t;
  }
  int exit = exit_ok;
  auto c = connect(opts.node, exit);
  if (!c)
    return exit;
  std::vector<job> jobs(opts.jobs, proto);
  std::map<job_status, uint64_t> counts;
  // Where the jobs ran: shows whether a cluster spread them.
  std::map<std::string, uint64_t> ran_on;
  client::latency_summary lat;
  std::string first_error;
  auto start = std::chrono::steady_clock::now();
  c->run(std::move(jobs), opts.concurrency,
         [&](job_result&& r, caf::timespan latency) {
           ++counts[r.status];
           if (!r.node.empty())
             ++ran_on[r.node];
           lat.add(latency);
           if (r.status != job_status::ok && first_error.empty())
             first_error = std::string{to_string(r.status)} + ": " + r.error;
         });
  auto elapsed
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count();
  auto rate = static_cast<double>(opts.jobs) / elapsed;
  uint64_t failed = 0;
  for (auto& [st, n] : counts)
    if (st != job_status::ok)
      failed += n;
  if (opts.json) {
    std::string nodes;
    for (auto& [name, n] : ran_on) {
      nodes += nodes.empty() ? "" : ",";
      wire::append_json_string(nodes, name);
      nodes += ":" + std::to_string(n);
    }
    std::printf("{\"skill\":\"%s\",\"jobs\":%llu,\"concurrency\":%llu,"
                "\"seconds\":%.6f,\"jobs_per_second\":%.1f,\"p50_us\":%.1f,"
                "\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
                "\"failed\":%llu,\"ran_on\":{%s}}\n",
                opts.skill.c_str(), static_cast<unsigned long long>(opts.jobs),
                static_cast<unsigned long long>(opts.concurrency), elapsed,
                rate, micros(lat.percentile(50)), micros(lat.percentile(90)),
                micros(lat.percentile(99)), micros(lat.percentile(100)),
                static_cast<unsigned long long>(failed), nodes.c_str());
  } else {
    std::printf("skill %s: %llu jobs, concurrency %llu\n", opts.skill.c_str(),
                static_cast<unsigned long long>(opts.jobs),
                static_cast<unsigned long long>(opts.concurrency));
    std::printf("  %.3f s, %.0f jobs/s\n", elapsed, rate);
    std::printf("  latency p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f "
                "us\n",
                micros(lat.percentile(50)), micros(lat.percentile(90)),
                micros(lat.percentile(99)), micros(lat.percentile(100)));
    std::printf("  statuses:");
    for (auto& [st, n] : counts)
      std::printf(" %s=%llu", std::string{to_string(st)}.c_str(),
                  static_cast<unsigned long long>(n));
    std::printf("\n");
    if (ran_on.size() > 1) {
      std::printf("  ran on:");
      for (auto& [name, n] : ran_on)
        std::printf(" %s=%llu", name.c_str(),
                    static_cast<unsigned long long>(n));
      std::printf("\n");
    }
    if (!first_error.empty())
      std::printf("  first error: %s\n", first_error.c_str());
  }
  return failed == 0 ? exit_ok : exit_job_failed;
}

} // namespace

std::pair<CLI::App*, command_runner> add_bench_command(CLI::App& app) {
  auto opts = std::make_shared<bench_options>();
  auto* sub = app.add_subcommand("bench", "load-test a node with one skill");
  add_node_option(*sub, opts->node);
  sub->add_option("--skill", opts->skill, "skill to run")->required();
  sub->add_option("--jobs", opts->jobs, "number of jobs")
    ->capture_default_str();
  sub->add_option("--concurrency", opts->concurrency, "jobs in flight")
    ->capture_default_str();
  sub->add_option("--input", opts->input, "input of every job");
  sub->add_option("--timeout", opts->timeout, "deadline per job");
  sub->add_flag("--json", opts->json, "print JSON");
  return {sub, [opts] {
            return run_bench(*opts);
          }};
}

} // namespace troupe::cli
