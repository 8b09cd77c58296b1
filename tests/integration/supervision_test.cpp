// Crash recovery, health and graceful drain of real `troupe node` processes:
// crashes injected through the `crash` skill and the crash test hook, jobs
// driven through the client library.
#include "messages/errors.hpp"
#include "messages/job.hpp"
#include "node/client.hpp"
#include "node/system_config.hpp"
#include "tests/support/node_process.hpp"

#include <caf/actor_system.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace troupe;
using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<job> make_jobs(size_t n, const std::string& skill,
                           const std::string& input = "x") {
  std::vector<job> out(n);
  for (auto& j : out) {
    j.skill = skill;
    j.input = input;
  }
  return out;
}

/// Runs `jobs` through `c` and counts the results per job index and per
/// status.
struct outcome {
  std::vector<int> answers;
  std::map<job_status, size_t> by_status;
  std::vector<std::string> errors;
};

outcome run_all(client& c, std::vector<job> jobs, size_t concurrency,
                caf::timespan timeout = std::chrono::seconds(30)) {
  outcome out;
  out.answers.assign(jobs.size(), 0);
  c.run(
    std::move(jobs), concurrency,
    [&](job_result&& r, caf::timespan) {
      ++out.answers.at(r.id);
      ++out.by_status[r.status];
      if (r.status != job_status::ok && out.errors.size() < 5)
        out.errors.push_back(std::string{to_string(r.status)} + ": "
                             + r.error);
    },
    timeout);
  return out;
}

void expect_exactly_once(const outcome& o) {
  for (size_t i = 0; i < o.answers.size(); ++i)
    ASSERT_EQ(o.answers[i], 1) << "job " << i;
}

// Polls `troupe status --json` until `pred(json)` holds (at most ~20 s).
template <class Pred>
std::string wait_for_status(const node_process& node, Pred pred) {
  std::string last;
  for (int i = 0; i < 200; ++i) {
    auto res = node.cli({"status", "--json"});
    if (res.exit_code == 0) {
      last = res.out;
      if (pred(res.out))
        return res.out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "status never matched; last: " << last;
  return last;
}

class Supervision : public ::testing::Test {
 public:
  Supervision() : sys(cfg) {
    // nop
  }

  client connect(const node_process& node) {
    auto c = client::connect(sys, "127.0.0.1", node.port());
    EXPECT_TRUE(c) << node.log();
    return std::move(*c);
  }

  system_config cfg;
  caf::actor_system sys;
};

} // namespace

TEST_F(Supervision, CrashingWorkersLoseNoJobAndTheNodeKeepsServing) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  // Every 25th job kills its worker mid-job.
  std::vector<job> jobs;
  for (size_t i = 0; i < 5000; ++i) {
    job j;
    j.skill = i % 25 == 0 ? "crash" : (i % 2 == 0 ? "echo" : "sha256");
    j.input = "job " + std::to_string(i);
    jobs.push_back(std::move(j));
  }
  auto o = run_all(c, std::move(jobs), 200);
  expect_exactly_once(o);
  EXPECT_EQ(o.by_status[job_status::ok], 4800u);
  // `crash` is not idempotent: its jobs end with an error that says what
  // happened, never silently.
  EXPECT_EQ(o.by_status[job_status::skill_error], 200u);
  // The node still serves, and counts the restarts.
  auto after = run_all(c, make_jobs(100, "echo"), 20);
  EXPECT_EQ(after.by_status[job_status::ok], 100u);
  // The health monitor counts them on its next round.
  wait_for_status(node, [](const std::string& s) {
    return contains(s, "{\"supervisor\":\"node/skills/crash\","
                       "\"child\":\"worker\",\"restarts\":200}");
  });
}

TEST_F(Supervision, CrashedPoolRouterAndGatewayAreReplacedWhileServing) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  // Jobs run while the actors on their path crash one after the other.
  std::thread chaos{[&] {
    auto victim = client::connect(sys, "127.0.0.1", node.port());
    if (!victim)
      return;
    for (auto path : {"skills/echo", "router", "cache/shard-0", "dispatcher",
                      "membership", "health", "gateway"}) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto res = victim->crash(path, std::chrono::seconds(5));
      EXPECT_TRUE(res) << path;
      if (std::string{path} == "gateway")
        break;
    }
  }};
  auto o = run_all(c, make_jobs(3000, "echo"), 50);
  chaos.join();
  expect_exactly_once(o);
  // Jobs in flight in the gateway when it crashed may have run: they end
  // NODE_LOST saying so; every other one succeeds.
  for (auto& [status, n] : o.by_status)
    EXPECT_TRUE(status == job_status::ok || status == job_status::node_lost)
      << to_string(status) << " x" << n << ": "
      << (o.errors.empty() ? "" : o.errors.front());
  // Clients keep working: the same client reaches the new gateway, a new
  // one connects to it.
  auto again = run_all(c, make_jobs(100, "sha256"), 10);
  EXPECT_EQ(again.by_status[job_status::ok], 100u);
  auto fresh = connect(node);
  auto more = run_all(fresh, make_jobs(100, "echo"), 10);
  EXPECT_EQ(more.by_status[job_status::ok], 100u);
  auto status = wait_for_status(node, [](const std::string& s) {
    return contains(s, "\"child\":\"gateway\",\"restarts\":1");
  });
  for (auto child : {"\"supervisor\":\"node/skills\",\"child\":\"echo\"",
                     "\"supervisor\":\"node\",\"child\":\"router\"",
                     "\"supervisor\":\"node/cache\",\"child\":\"shard-0\""})
    EXPECT_TRUE(contains(status, child)) << status;
}

TEST_F(Supervision, CrashHookIsOffWithoutTestSkills) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  auto res = c.crash("router", std::chrono::seconds(5));
  ASSERT_FALSE(res);
  EXPECT_TRUE(contains(message_of(res.error()), "--test-skills"))
    << message_of(res.error());
}
