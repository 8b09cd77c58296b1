// How long a node's death holds up the jobs it was running: a client keeps
// jobs in flight through node A, whose skill lives on B and C; once a given
// number of results arrived, B is killed (SIGKILL, PID given; or hung with
// SIGSTOP, which only the failure detector notices). Reports the
// time from the kill until every job in flight at that moment has its
// terminal result (retried on C, or failed), and checks that every job got
// exactly one result. One JSON line.
//
//   troupe-bench-failover --node HOST:PORT --kill-pid PID [--skill slow]
//                         [--input 50] [--jobs 4000] [--inflight 64]
//                         [--kill-after 1000] [--signal kill|stop]

#include "messages/errors.hpp"
#include "node/client/client.hpp"

#include <CLI/CLI.hpp>

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string node = "127.0.0.1:4710";
  int kill_pid = 0;
  std::string skill = "slow";
  std::string input = "50";
  size_t jobs = 4000;
  size_t inflight = 64;
  size_t kill_after = 1000;
  std::string signal_name = "kill";
  CLI::App app{"time from a node's death until its jobs are answered"};
  app.add_option("--node", node, "node to submit to (HOST:PORT)");
  app.add_option("--kill-pid", kill_pid, "PID of the node to kill")->required();
  app.add_option("--skill", skill);
  app.add_option("--input", input);
  app.add_option("--jobs", jobs);
  app.add_option("--inflight", inflight);
  app.add_option("--kill-after", kill_after, "results before the kill");
  app
    .add_option("--signal", signal_name,
                "kill (SIGKILL: the node dies) or stop (SIGSTOP: it hangs)")
    ->check(CLI::IsMember({"kill", "stop"}));
  CLI11_PARSE(app, argc, argv);
  if (kill_after == 0 || kill_after >= jobs) {
    std::fprintf(stderr, "--kill-after must be in [1, --jobs)\n");
    return 2;
  }
  auto colon = node.rfind(':');
  auto cl = troupe::client::client::connect(
    node.substr(0, colon),
    static_cast<uint16_t>(std::stoul(node.substr(colon + 1))));
  if (!cl) {
    std::fprintf(stderr, "%s\n", troupe::describe(cl.error()).c_str());
    return 1;
  }
  using clock = std::chrono::steady_clock;
  std::vector<troupe::job> batch(jobs, troupe::job{0, skill, input, {}});
  std::vector<int> seen(jobs, 0);
  std::map<std::string, size_t> counts;
  size_t done = 0;
  // The client sends jobs in index order keeping `inflight` outstanding, so
  // at the kill the jobs in flight are the unanswered ones below
  // done + inflight.
  size_t waiting = 0;
  size_t horizon = 0;
  size_t at_kill = 0;
  clock::time_point killed;
  clock::time_point recovered;
  cl->run(batch, inflight, [&](troupe::job_result&& r, caf::timespan) {
    ++seen[r.id];
    ++counts[std::string{troupe::to_string(r.status)}];
    ++done;
    if (waiting > 0 && r.id < horizon && --waiting == 0)
      recovered = clock::now();
    if (done == kill_after) {
      horizon = std::min(jobs, done + inflight);
      for (size_t i = 0; i < horizon; ++i)
        waiting += seen[i] == 0 ? 1 : 0;
      at_kill = waiting;
      killed = clock::now();
      ::kill(kill_pid, signal_name == "kill" ? SIGKILL : SIGSTOP);
      if (waiting == 0)
        recovered = killed;
    }
  });
  size_t once = 0;
  for (auto n : seen)
    once += n == 1 ? 1 : 0;
  std::string by_status;
  for (auto& [st, n] : counts)
    by_status += (by_status.empty() ? "" : ",") + std::string{"\""} + st
                 + "\":" + std::to_string(n);
  auto ms = std::chrono::duration<double, std::milli>(recovered - killed);
  std::printf("{\"jobs\":%zu,\"answered_once\":%zu,\"in_flight_at_kill\":%zu,"
              "\"recovery_ms\":%.1f,\"status\":{%s}}\n",
              jobs, once, at_kill, ms.count(), by_status.c_str());
  return once == jobs ? 0 : 1;
}
