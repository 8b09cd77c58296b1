#pragma once

// The in-process client the local benchmarks share: an actor that keeps a
// number of jobs in flight through a node's router and reports its rate.

#include "messages/interfaces.hpp"

#include <caf/all.hpp>

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
      if (r.status != job_status::ok)
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
      [] { std::fprintf(stderr, "a run did not finish within 120 s\n"); });
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

} // namespace troupe::bench
