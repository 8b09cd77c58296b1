// Crash recovery, health and graceful drain of real `troupe node` processes:
// crashes injected through the `crash` skill and the crash test hook, jobs
// driven through the client library.
#include "messages/errors.hpp"
#include "messages/job.hpp"
#include "node/client/client.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
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

outcome run_all(client::client& c, std::vector<job> jobs, size_t concurrency,
                caf::timespan timeout = std::chrono::seconds(30),
                std::atomic<size_t>* answered = nullptr) {
  outcome out;
  out.answers.assign(jobs.size(), 0);
  c.run(
    std::move(jobs), concurrency,
    [&](job_result&& r, caf::timespan) {
      if (answered != nullptr)
        ++*answered;
      ++out.answers.at(r.id);
      ++out.by_status[r.status];
      if (r.status != job_status::ok && out.errors.size() < 5)
        out.errors.push_back(std::string{to_string(r.status)} + ": " + r.error);
    },
    timeout);
  return out;
}

void expect_exactly_once(const outcome& o) {
  for (size_t i = 0; i < o.answers.size(); ++i)
    ASSERT_EQ(o.answers[i], 1) << "job " << i;
}

// Waits (bounded) until `n` reaches `at_least`.
bool wait_for_count(const std::atomic<size_t>& n, size_t at_least) {
  for (int i = 0; i < 2000 && n < at_least; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return n >= at_least;
}

// The health score in the node's own member entry of `troupe status
// --json`; -1 when there is none.
int member_health(const std::string& json) {
  static const std::regex re{"\"incarnation\":[0-9]+,\"health\":([0-9]+),"};
  std::smatch m;
  if (!std::regex_search(json, m, re))
    return -1;
  return std::stoi(m[1].str());
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
  client::client connect(const node_process& node) {
    auto c = client::client::connect("127.0.0.1", node.port());
    EXPECT_TRUE(c) << node.log();
    return std::move(*c);
  }
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
    auto victim = client::client::connect("127.0.0.1", node.port());
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
  // Clients keep working once the gateway is back (until then, the node
  // refuses their jobs OVERLOADED): the same client reaches the new
  // gateway, a new one connects to it.
  auto status = wait_for_status(node, [](const std::string& s) {
    return contains(s, "\"child\":\"gateway\",\"restarts\":1");
  });
  auto again = run_all(c, make_jobs(100, "sha256"), 10);
  EXPECT_EQ(again.by_status[job_status::ok], 100u)
    << (again.errors.empty() ? "" : again.errors.front());
  auto fresh = connect(node);
  auto more = run_all(fresh, make_jobs(100, "echo"), 10);
  EXPECT_EQ(more.by_status[job_status::ok], 100u)
    << (more.errors.empty() ? "" : more.errors.front());
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

TEST_F(Supervision, HealthDropsUnderFailuresAndRecovers) {
  temp_file conf{"node.conf", "[health]\n"
                              "interval = 100ms\n"
                              "window = 2s\n"
                              "min-jobs = 10\n"};
  auto metrics_port = unused_port();
  node_process node{{"--test-skills", "--config", conf.path(), "--metrics-port",
                     std::to_string(metrics_port)}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  // Every job of `fail` fails: the error rate is 100 %.
  auto o = run_all(c, make_jobs(50, "fail", "injected"), 10);
  EXPECT_EQ(o.by_status[job_status::skill_error], 50u);
  auto bad = wait_for_status(node, [](const std::string& s) {
    return contains(s, "\"severity\":\"CRITICAL\",\"rule\":\"error-rate\","
                       "\"subject\":\"skill fail\"");
  });
  EXPECT_TRUE(contains(bad, "skill fail: error rate 100 % > 50 % over 2 s "
                            "(50 of 50 jobs failed)"))
    << bad;
  EXPECT_FALSE(contains(bad, "\"score\":100,")) << bad;
  auto text = node.cli({"status"});
  EXPECT_TRUE(contains(text.out, "CRITICAL error-rate")) << text.out;
  auto metrics = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(contains(metrics, "troupe_alerts{severity=\"CRITICAL\"} 1"))
    << metrics;
  EXPECT_FALSE(contains(metrics, "troupe_health_score 100")) << metrics;
  // The node's cluster entry carries the score to its peers.
  wait_for_status(node, [](const std::string& s) {
    return member_health(s) >= 0 && member_health(s) < 100;
  });
  // No failures from now on: they leave the window, the alert clears and
  // the score comes back.
  wait_for_status(node, [&](const std::string& s) {
    return contains(s, "\"health\":{\"score\":100,\"draining\":false,"
                       "\"alerts\":[]");
  });
  metrics = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(contains(metrics, "troupe_alerts{severity=\"CRITICAL\"} 0"))
    << metrics;
  EXPECT_TRUE(contains(metrics, "troupe_health_score 100")) << metrics;
  wait_for_status(node, [](const std::string& s) {
    return member_health(s) == 100;
  });
}

TEST_F(Supervision, RestartsShowInStatusAndMetrics) {
  auto metrics_port = unused_port();
  node_process node{
    {"--test-skills", "--metrics-port", std::to_string(metrics_port)}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  ASSERT_TRUE(c.crash("skills/sha256", std::chrono::seconds(5)));
  auto unknown = c.crash("skills/nope", std::chrono::seconds(5));
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(contains(message_of(unknown.error()), "no running actor"))
    << message_of(unknown.error());
  auto o = run_all(c, make_jobs(10, "sha256"), 5);
  EXPECT_EQ(o.by_status[job_status::ok], 10u);
  wait_for_status(node, [](const std::string& s) {
    return contains(s, "{\"supervisor\":\"node/skills\",\"child\":\"sha256\","
                       "\"restarts\":1}");
  });
  auto text = node.cli({"status"});
  EXPECT_TRUE(contains(text.out, "restarts  node/skills=1")) << text.out;
  auto metrics = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(contains(metrics, "troupe_restarts_total{child=\"sha256\","
                                "supervisor=\"node/skills\"} 1"))
    << metrics;
}

TEST_F(Supervision, SigtermDrainsJobsInFlightAndExitsZero) {
  node_process node{{"--test-skills", "--drain-timeout", "20s"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  // 400 jobs of 20 ms on 4 workers: about two seconds of work, most of it
  // still in flight when the signal arrives.
  outcome o;
  std::atomic<size_t> answered{0};
  std::thread load{[&] {
    o = run_all(c, make_jobs(400, "slow", "20"), 400, std::chrono::seconds(30),
                &answered);
  }};
  ASSERT_TRUE(wait_for_count(answered, 4));
  ::kill(node.pid(), SIGTERM);
  // New jobs are refused while the node drains, with a retryable status
  // (once the node has taken the signal: it reports that it drains).
  wait_for_status(node, [](const std::string& s) {
    return contains(s, "\"draining\":true");
  });
  auto late = client::client::connect("127.0.0.1", node.port());
  if (late) {
    auto r = late->submit(make_jobs(1, "echo").front());
    EXPECT_TRUE(r.status == job_status::overloaded
                || r.status == job_status::node_lost)
      << to_string(r.status) << ": " << r.error;
    if (r.status == job_status::overloaded) {
      EXPECT_TRUE(contains(r.error, "shutting down")) << r.error;
    }
  }
  load.join();
  expect_exactly_once(o);
  // Every job finished within the drain deadline.
  EXPECT_EQ(o.by_status[job_status::ok], 400u)
    << (o.errors.empty() ? "" : o.errors.front());
  auto status = node.stop(SIGTERM, std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << node.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << node.log();
}

TEST_F(Supervision, DrainDeadlineCancelsWhatIsLeftAndExitsZero) {
  node_process node{{"--test-skills", "--drain-timeout", "300ms"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  outcome o;
  std::atomic<size_t> answered{0};
  std::thread load{[&] {
    // Far more work than the drain deadline allows.
    o = run_all(c, make_jobs(100, "slow", "200"), 100, std::chrono::seconds(30),
                &answered);
  }};
  ASSERT_TRUE(wait_for_count(answered, 4));
  auto status = node.stop(SIGTERM, std::chrono::seconds(30));
  load.join();
  ASSERT_TRUE(WIFEXITED(status)) << node.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << node.log();
  expect_exactly_once(o);
  EXPECT_GT(o.by_status[job_status::cancelled], 0u);
  for (auto& [st, n] : o.by_status)
    EXPECT_TRUE(st == job_status::ok || st == job_status::cancelled)
      << to_string(st) << " x" << n << ": "
      << (o.errors.empty() ? "" : o.errors.front());
}

TEST_F(Supervision, SecondSignalStopsAtOnce) {
  node_process node{{"--test-skills", "--drain-timeout", "60s"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  outcome o;
  std::thread load{[&] {
    o = run_all(c, make_jobs(20, "slow", "30000"), 20);
  }};
  wait_for_status(node, [](const std::string& s) {
    return contains(s, "\"in_flight\":20,");
  });
  ::kill(node.pid(), SIGTERM);
  // The drain would wait up to a minute; a second signal ends it.
  for (int i = 0; i < 100 && !contains(node.log(), "draining"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto status = node.stop(SIGINT, std::chrono::seconds(10));
  load.join();
  ASSERT_TRUE(WIFEXITED(status)) << node.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << node.log();
  expect_exactly_once(o);
  EXPECT_EQ(o.by_status[job_status::cancelled], 20u)
    << (o.errors.empty() ? "" : o.errors.front());
}
