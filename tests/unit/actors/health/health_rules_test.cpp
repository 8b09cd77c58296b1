// The health monitor's rules as plain logic: alerts with their rule and
// values, levels by threshold, clearing, the score and restart counts.
#include "actors/health/health_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::job_status;
using troupe::severity;
using troupe::config::health_config;
using troupe::health::health_rules;
using troupe::health::health_sample;
using time_point = troupe::health::health_rules::time_point;

class HealthRules : public ::testing::Test {
 public:
  HealthRules() {
    cfg.window = 10s;
    cfg.min_jobs = 10;
  }

  /// A sample `offset` after the start.
  troupe::health::health_sample at(caf::timespan offset) {
    troupe::health::health_sample x;
    x.now = start + offset;
    return x;
  }

  static troupe::supervisor_report sup(std::string path, std::string child,
                                       uint64_t restarts,
                                       std::string state = "running") {
    troupe::supervisor_report r;
    r.path = std::move(path);
    r.children.push_back({std::move(child), std::move(state), restarts, false});
    return r;
  }

  std::vector<troupe::alert> alerts(troupe::health::health_rules& rules,
                                    caf::timespan at) {
    return rules.alerts(start + at);
  }

  troupe::config::health_config cfg;
  time_point start{std::chrono::hours(1)};
};

TEST_F(HealthRules, NoFiguresMeansFullHealth) {
  troupe::health::health_rules rules{cfg};
  rules.update(at(0s));
  EXPECT_EQ(rules.score(), 100u);
  EXPECT_TRUE(rules.alerts(start).empty());
}

TEST_F(HealthRules, ErrorRateRaisesWarningThenCriticalAndClears) {
  troupe::health::health_rules rules{cfg};
  rules.update(at(0s)); // baseline
  auto x = at(1s);
  x.counts = {{"flaky", job_status::ok, 70},
              {"flaky", job_status::timeout, 30}};
  rules.update(x);
  auto a = alerts(rules, 1s);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].level, severity::warning);
  EXPECT_EQ(a[0].rule, "error-rate");
  EXPECT_EQ(a[0].subject, "skill flaky");
  EXPECT_EQ(a[0].message, "skill flaky: error rate 30 % > 25 % over 10 s "
                          "(30 of 100 jobs failed)");
  EXPECT_EQ(rules.score(), 90u);
  x = at(2s);
  x.counts = {{"flaky", job_status::ok, 70},
              {"flaky", job_status::skill_error, 60},
              {"flaky", job_status::timeout, 30}};
  rules.update(x);
  a = alerts(rules, 3s);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].level, severity::critical);
  // The same alert, more severe: it keeps its age.
  EXPECT_EQ(a[0].age_ms, 2000u);
  EXPECT_EQ(rules.score(), 70u);
  // Only successes for longer than the window: the alert clears.
  x = at(13s);
  x.counts = {{"flaky", job_status::ok, 500},
              {"flaky", job_status::skill_error, 60},
              {"flaky", job_status::timeout, 30}};
  rules.update(x);
  EXPECT_TRUE(alerts(rules, 13s).empty());
  EXPECT_EQ(rules.score(), 100u);
}

TEST_F(HealthRules, ClientErrorsAndFewJobsRaiseNothing) {
  troupe::health::health_rules rules{cfg};
  rules.update(at(0s));
  auto x = at(1s);
  // Bad input is the client's fault; too few jobs say nothing.
  x.counts = {{"echo", job_status::bad_input, 100},
              {"sha256", job_status::skill_error, 9}};
  rules.update(x);
  EXPECT_TRUE(alerts(rules, 1s).empty());
}

TEST_F(HealthRules, CountsInTheFirstSampleAreHistory) {
  troupe::health::health_rules rules{cfg};
  auto x = at(0s);
  x.counts = {{"flaky", job_status::skill_error, 100}};
  x.supervisors = {sup("node", "router", 3)};
  rules.update(x);
  EXPECT_TRUE(alerts(rules, 0s).empty());
  // They still count as restarts since the node started.
  auto r = rules.restarts();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].restarts, 3u);
}

TEST_F(HealthRules, QueueFillLevels) {
  troupe::health::health_rules rules{cfg};
  auto x = at(0s);
  x.pools = {{"echo", 850, 1000, 0},
             {"sha256", 990, 1000, 0},
             {"wordcount", 10, 1000, 0}};
  rules.update(x);
  auto a = alerts(rules, 0s);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].level, severity::critical);
  EXPECT_EQ(a[0].message,
            "skill sha256: queue 99 % full > 95 % (990 of 1000 jobs)");
  EXPECT_EQ(a[1].level, severity::warning);
  EXPECT_EQ(a[1].subject, "skill echo");
  EXPECT_EQ(rules.score(), 60u);
}

TEST_F(HealthRules, RestartsWithinTheWindowByLevel) {
  cfg.restarts_warning = 2;
  cfg.restarts_critical = 4;
  troupe::health::health_rules rules{cfg};
  rules.update(at(0s));
  auto x = at(1s);
  x.supervisors = {sup("node", "router", 1)};
  x.pools = {{"crash", 0, 100, 5}};
  rules.update(x);
  auto a = alerts(rules, 1s);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].level, severity::critical);
  EXPECT_EQ(a[0].subject, "node/skills/crash/worker");
  EXPECT_EQ(a[0].message, "node/skills/crash: 5 worker restarts >= 4 within "
                          "10 s");
  EXPECT_EQ(a[1].level, severity::info);
  EXPECT_EQ(a[1].message, "node/router: 1 restart within 10 s");
  // Past the window, restarts are history: the alerts clear, the counts
  // stay.
  x.now = start + 12s;
  rules.update(x);
  EXPECT_TRUE(alerts(rules, 12s).empty());
  auto r = rules.restarts();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].supervisor, "node");
  EXPECT_EQ(r[0].child, "router");
  EXPECT_EQ(r[1].supervisor, "node/skills/crash");
  EXPECT_EQ(r[1].restarts, 5u);
}

TEST_F(HealthRules, RestartCountsSurviveTheirCounterStartingOver) {
  troupe::health::health_rules rules{cfg};
  auto x = at(0s);
  x.pools = {{"crash", 0, 100, 7}};
  rules.update(x);
  // The pool restarted: its own count starts again at 0.
  x = at(1s);
  x.pools = {{"crash", 0, 100, 2}};
  rules.update(x);
  auto r = rules.restarts();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].restarts, 9u);
}

TEST_F(HealthRules, ActorsThatRestartDoNotAnswerOrFillUp) {
  troupe::health::health_rules rules{cfg};
  auto x = at(0s);
  x.supervisors = {sup("node/skills", "echo", 0, "restarting")};
  x.unresponsive = {"node/router"};
  x.mailboxes = {{"node/gateway", 20'000}};
  troupe::member down;
  down.name = "beta";
  down.address = "127.0.0.1:4711";
  down.status = troupe::member_status::down;
  x.members = {down};
  rules.update(x);
  auto a = alerts(rules, 0s);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].rule, "unresponsive");
  EXPECT_EQ(a[0].message,
            "node/router did not answer the health check within 2 s");
  std::vector<std::string> rules_seen;
  for (auto& x : a)
    rules_seen.push_back(x.rule);
  EXPECT_NE(std::find(rules_seen.begin(), rules_seen.end(), "restarting"),
            rules_seen.end());
  EXPECT_NE(std::find(rules_seen.begin(), rules_seen.end(), "mailbox"),
            rules_seen.end());
  EXPECT_NE(std::find(rules_seen.begin(), rules_seen.end(), "member-down"),
            rules_seen.end());
  EXPECT_EQ(rules.score(), 40u);
  EXPECT_EQ(rules.alert_counts(), (std::array<uint32_t, 3>{0, 3, 1}));
}

TEST_F(HealthRules, ScoreNeverGoesBelowZero) {
  troupe::health::health_rules rules{cfg};
  auto x = at(0s);
  for (int i = 0; i < 5; ++i)
    x.unresponsive.push_back("node/skills/s" + std::to_string(i));
  rules.update(x);
  EXPECT_EQ(rules.score(), 0u);
}

} // namespace

// A port that refuses connections is WARNING for the window after its last
// refusal; one that accepts none at all is CRITICAL. Refusals before the
// first sample are history.
TEST_F(HealthRules, PortsThatRefuseConnectionsRaiseAListenerAlert) {
  troupe::health::health_rules rules{cfg};
  auto x = at(0s);
  x.listeners = {{"door", 7, true}, {"cluster port", 0, true}};
  rules.update(x);
  EXPECT_TRUE(alerts(rules, 0s).empty());
  EXPECT_EQ(rules.score(), 100u);
  x = at(1s);
  x.listeners = {{"door", 7, true}, {"cluster port", 3, true}};
  rules.update(x);
  auto a = alerts(rules, 1s);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].rule, "listener");
  EXPECT_EQ(a[0].subject, "cluster port");
  EXPECT_EQ(a[0].level, troupe::severity::warning);
  EXPECT_EQ(a[0].message,
            "the cluster port refused connections within 10 s (3 since the "
            "node started): at its connection cap or short of file "
            "descriptors");
  // Still within the window, then past it.
  x = at(8s);
  x.listeners = {{"door", 7, true}, {"cluster port", 3, true}};
  rules.update(x);
  EXPECT_EQ(alerts(rules, 8s).size(), 1u);
  x = at(12s);
  x.listeners = {{"door", 7, true}, {"cluster port", 3, true}};
  rules.update(x);
  EXPECT_TRUE(alerts(rules, 12s).empty());
  // Accepting fails: out of descriptors.
  x = at(13s);
  x.listeners = {{"door", 8, false}, {"cluster port", 3, true}};
  rules.update(x);
  a = alerts(rules, 13s);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].subject, "door");
  EXPECT_EQ(a[0].level, troupe::severity::critical);
  EXPECT_EQ(a[0].message, "the door accepts no connections: the node has no "
                          "file descriptor left");
  EXPECT_EQ(rules.score(), 70u);
}
