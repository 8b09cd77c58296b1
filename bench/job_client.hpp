#pragma once

// The in-process client the local benchmarks share: an actor that keeps a
// number of jobs in flight through a node's router and reports its rate.

#include "messages/interfaces.hpp"

#include <caf/all.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace troupe::bench {

using clock_type = std::chrono::steady_clock;
using report_atom = caf::atom_constant<caf::atom("b_report")>;

/// What the client sends.
struct job_client_options {
  std::string skill = "noop";
  /// Every job carries its own id as input (all different); otherwise every
  /// job has the same input.
  bool unique_inputs = false;
  std::string input;
  /// The status the jobs are expected to end with; others count as missing
  /// throughput.
  job_status expect = job_status::ok;
};

struct job_client_state {
  router_actor router;
  caf::actor report_to;
  job_client_options opts;
  uint64_t total = 0;
  uint64_t sent = 0;
  uint64_t done = 0;
  uint64_t failed = 0;
  clock_type::time_point start;
};

using job_client_actor = result_sink_actor;

inline void
job_issue(job_client_actor::stateful_pointer<job_client_state> self) {
  auto& st = self->state;
  job j;
  j.id = st.sent++;
  j.skill = st.opts.skill;
  if (st.opts.unique_inputs)
    j.input = std::to_string(j.id);
  else
    j.input = st.opts.input;
  self->send(st.router, std::move(j), caf::actor_cast<result_sink_actor>(self));
}

/// Sends `total` jobs keeping `inflight` outstanding, then sends
/// (report, jobs that ended OK, nanoseconds) to `report_to`.
inline job_client_actor::behavior_type
job_client(job_client_actor::stateful_pointer<job_client_state> self,
           router_actor router, caf::actor report_to, uint64_t total,
           uint64_t inflight, job_client_options opts) {
  auto& st = self->state;
  st.router = std::move(router);
  st.report_to = std::move(report_to);
  st.opts = std::move(opts);
  st.total = total;
  st.start = clock_type::now();
  for (uint64_t i = 0; i < std::min(inflight, total); ++i)
    job_issue(self);
  return {
    [self](job_result& r) {
      auto& st = self->state;
      if (r.status != st.opts.expect)
        ++st.failed;
      if (++st.done == st.total) {
        auto ns = (clock_type::now() - st.start).count();
        // Failed jobs are reported as missing throughput, never hidden.
        caf::anon_send(st.report_to, report_atom::value, st.done - st.failed,
                       static_cast<int64_t>(ns));
        self->quit();
        return;
      }
      if (st.sent < st.total)
        job_issue(self);
    },
  };
}

/// Ops per second of one run, or 0 when the run did not finish in time.
template <class Spawn>
double measure(caf::actor_system& sys, Spawn spawn) {
  caf::scoped_actor self{sys};
  spawn(caf::actor{self});
  double rate = 0;
  self->receive(
    [&](report_atom, uint64_t ops, int64_t ns) {
      rate = static_cast<double>(ops) / (static_cast<double>(ns) / 1e9);
    },
    caf::after(std::chrono::seconds(120)) >>
      [] {
        std::fprintf(stderr, "a run did not finish within 120 s\n");
      });
  return rate;
}

inline double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  auto n = xs.size();
  return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

/// Parses "10,1000"; throws std::exception on malformed numbers.
inline std::vector<uint64_t> parse_list(const std::string& str) {
  std::vector<uint64_t> out;
  size_t pos = 0;
  while (pos < str.size()) {
    auto comma = str.find(',', pos);
    auto part = str.substr(pos, comma == std::string::npos ? std::string::npos
                                                           : comma - pos);
    out.push_back(std::stoull(part));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

/// The options of the benchmarks that compare kinds of jobs through one
/// in-process node: jobs per run, the numbers of jobs in flight, runs.
struct variant_options {
  uint64_t jobs = 200'000;
  std::string inflight = "10,1000";
  uint32_t runs = 5;
  bool markdown = false;
  /// Parsed from `inflight` by `check`.
  std::vector<uint64_t> levels;

  void add_to(CLI::App& app) {
    app.add_option("--jobs", jobs, "jobs per run")->capture_default_str();
    app.add_option("--inflight", inflight, "jobs in flight, comma list")
      ->capture_default_str();
    app.add_option("--runs", runs, "runs per configuration (median reported)")
      ->capture_default_str();
    app.add_flag("--markdown", markdown, "print Markdown tables");
  }

  /// Parses the levels; says what is wrong and returns false on bad values.
  bool check() {
    try {
      levels = parse_list(inflight);
    } catch (const std::exception&) {
      std::fprintf(stderr, "--inflight expects numbers like 10,1000\n");
      return false;
    }
    if (levels.empty() || jobs == 0 || runs == 0) {
      std::fprintf(stderr, "--jobs, --runs and --inflight must be positive\n");
      return false;
    }
    return true;
  }
};

/// One kind of job a benchmark compares, and the variant its rate is
/// divided by (the row's ratio).
struct job_variant {
  const char* label;
  job_client_options opts;
  size_t baseline = 0;
};

/// Runs every variant `opts.runs` times per level through `router`,
/// interleaved so that machine noise hits them alike, and prints the median
/// rates with their ratios (`what` heads the label column).
inline void run_variants(caf::actor_system& sys, const router_actor& router,
                         const std::vector<job_variant>& variants,
                         const variant_options& opts, const char* what,
                         const char* ratio) {
  if (opts.markdown)
    std::printf("| in flight | %s | jobs/s | %s |\n| ---: | --- | ---: | ---: "
                "|\n",
                what, ratio);
  else
    std::printf("%-10s %-34s %12s %8s\n", "inflight", what, "jobs/s", "ratio");
  for (auto level : opts.levels) {
    std::vector<std::vector<double>> rates(variants.size());
    for (uint32_t i = 0; i < opts.runs; ++i)
      for (size_t v = 0; v < variants.size(); ++v)
        rates[v].push_back(measure(sys, [&](caf::actor report_to) {
          sys.spawn(job_client, router, report_to, opts.jobs, level,
                    variants[v].opts);
        }));
    for (size_t v = 0; v < variants.size(); ++v) {
      auto rate = median(rates[v]);
      auto base = median(rates[variants[v].baseline]);
      if (opts.markdown)
        std::printf("| %llu | %s | %.0f | %.2f |\n",
                    static_cast<unsigned long long>(level), variants[v].label,
                    rate, rate / base);
      else
        std::printf("%-10llu %-34s %12.0f %8.2f\n",
                    static_cast<unsigned long long>(level), variants[v].label,
                    rate, rate / base);
    }
  }
}

} // namespace troupe::bench
