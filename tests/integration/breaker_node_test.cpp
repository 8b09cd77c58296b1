// Breakers, retries and fallbacks through real node processes: `flaky` at
// 60 % failures trips its breaker, jobs are rejected without running while
// it is open, and once the fault is gone it closes again by itself; a
// fallback skill answers while open; operators force it through the CLI;
// retries run failed attempts again; status and metrics show all of it.
#include "messages/job.hpp"
#include "node/client/client.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace troupe::test;
using troupe::job;
using troupe::job_result;
using troupe::job_status;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class BreakerNode : public ::testing::Test {
 public:
  /// Runs `n` jobs of `skill` on `input` (at most `in_flight` at once) and
  /// returns their results.
  std::vector<job_result>
  run_jobs(troupe::client::client& c, const std::string& skill,
           const std::string& input, size_t n, size_t in_flight = 4) {
    std::vector<job> jobs(n, job{0, skill, input, {}});
    std::vector<job_result> out;
    c.run(std::move(jobs), in_flight, [&](job_result&& r, caf::timespan) {
      out.push_back(std::move(r));
    });
    return out;
  }

  static size_t count(const std::vector<job_result>& rs, job_status st) {
    size_t n = 0;
    for (auto& r : rs)
      if (r.status == st)
        ++n;
    return n;
  }

  /// The state `troupe breaker --skill S --json` shows.
  static std::string state_of(const node_process& node,
                              const std::string& skill) {
    auto res = node.cli({"breaker", "--skill", skill, "--json"});
    auto at = res.out.find("\"state\":\"");
    if (res.exit_code != 0 || at == std::string::npos)
      return "? " + res.err;
    at += 9;
    return res.out.substr(at, res.out.find('"', at) - at);
  }

  /// Polls (bounded: `tries` times, `pause` apart) until the breaker of
  /// `skill` shows `state`.
  static bool wait_for_state(const node_process& node, const std::string& skill,
                             const std::string& state, int tries = 100,
                             std::chrono::milliseconds pause
                             = std::chrono::milliseconds{50}) {
    for (int i = 0; i < tries; ++i) {
      if (state_of(node, skill) == state)
        return true;
      std::this_thread::sleep_for(pause);
    }
    return false;
  }

  /// A node with the test skills and `conf`, and metrics on `metrics_port`
  /// unless it is 0.
  static std::vector<std::string> args(const temp_file& conf,
                                       uint16_t metrics_port = 0) {
    std::vector<std::string> out{"--test-skills", "--config", conf.path()};
    if (metrics_port != 0) {
      out.emplace_back("--metrics-port");
      out.push_back(std::to_string(metrics_port));
    }
    return out;
  }

  caf::expected<troupe::client::client> connect(const node_process& node) {
    return troupe::client::client::connect("127.0.0.1", node.port());
  }
};

} // namespace

TEST_F(BreakerNode, FlakySkillTripsRejectsFastAndClosesByItself) {
  temp_file conf{"troupe.conf", R"([skills.flaky]
breaker-open-wait = 2s
)"};
  auto metrics_port = unused_port();
  node_process node{args(conf, metrics_port)};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  ASSERT_TRUE(c);
  // 60 % failures: the rate over the window passes 50 % within a few dozen
  // calls (bounded: 25 rounds of 20).
  std::vector<job_result> rejected;
  for (int round = 0; round < 25 && rejected.empty(); ++round)
    for (auto& r : run_jobs(*c, "flaky", "0.6", 20))
      if (r.status == job_status::breaker_open)
        rejected.push_back(r);
  ASSERT_FALSE(rejected.empty()) << "the breaker never opened";
  // Rejected without running, saying when the next trial is.
  auto& r = rejected.front();
  EXPECT_EQ(r.attempts, 0u);
  EXPECT_EQ(r.run_time, caf::timespan{0});
  EXPECT_TRUE(contains(r.error, "skill 'flaky' is unavailable")) << r.error;
  EXPECT_TRUE(contains(r.error, "next trial in")) << r.error;
  // While it is open, every job is rejected (the open wait is far longer
  // than these jobs take).
  auto while_open = run_jobs(*c, "flaky", "0.6", 10);
  EXPECT_EQ(count(while_open, job_status::breaker_open), 10u);
  // The status shows the breaker, its rates and the rejections.
  auto st = node.cli({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_TRUE(contains(st.out, R"("breakers":[{"skill":"flaky")")) << st.out;
  EXPECT_TRUE(contains(st.out, R"("failure_rate_threshold":50.00)")) << st.out;
  auto text = node.cli({"status"});
  EXPECT_TRUE(contains(text.out, "BREAKER")) << text.out;
  EXPECT_TRUE(contains(text.out, "flaky")) << text.out;
  // The fault is removed: after the open wait the breaker turns half-open
  // by itself, without any job...
  ASSERT_TRUE(wait_for_state(node, "flaky", "half-open"))
    << state_of(node, "flaky");
  // ...and closes once its trial jobs succeed (one at a time: while its
  // five trials run, a half-open breaker rejects other jobs).
  auto healthy = run_jobs(*c, "flaky", "0", 20, 1);
  EXPECT_EQ(count(healthy, job_status::ok), 20u);
  EXPECT_EQ(state_of(node, "flaky"), "closed");
  auto body = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(contains(body, R"(troupe_breaker_state{skill="flaky"} 0)"))
    << body;
  EXPECT_TRUE(contains(body,
                       R"(troupe_breaker_transitions_total{from="closed",)"
                       R"(skill="flaky",to="open"})"))
    << body;
  EXPECT_TRUE(contains(body, R"(troupe_breaker_transitions_total{from="half-)"
                             R"(open",skill="flaky",to="closed"} 1)"))
    << body;
  EXPECT_TRUE(contains(body, R"(troupe_breaker_rejected_total{skill="flaky"})"))
    << body;
  // Every job was answered once and counted once.
  EXPECT_TRUE(contains(body, R"(troupe_jobs_total{skill="flaky",)"
                             R"(status="BREAKER_OPEN"})"))
    << body;
}

TEST_F(BreakerNode, AFallbackSkillAnswersWhileOpen) {
  temp_file conf{"troupe.conf", R"([skills.flaky]
breaker-minimum-calls = 5
breaker-open-wait = 1h
fallback = "echo"
)"};
  node_process node{args(conf)};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  ASSERT_TRUE(c);
  // Always failing: five calls trip it.
  auto failed = run_jobs(*c, "flaky", "1", 5);
  EXPECT_EQ(count(failed, job_status::skill_error), 5u);
  ASSERT_EQ(state_of(node, "flaky"), "open");
  auto res = node.cli({"submit", "--skill", "flaky", "--input", "1", "--json"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, R"("status":"OK")")) << res.out;
  EXPECT_TRUE(contains(res.out, R"("skill":"flaky","output":"1")")) << res.out;
  EXPECT_TRUE(contains(res.out, R"("fallback":"echo")")) << res.out;
  // Without --json: the output, and a note on stderr.
  auto plain = node.cli({"submit", "--skill", "flaky", "--input", "hello"});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "hello");
  EXPECT_TRUE(contains(plain.err, "fallback skill 'echo'")) << plain.err;
  auto b = node.cli({"breaker", "--skill", "flaky", "--json"});
  EXPECT_TRUE(contains(b.out, R"("fallbacks":2)")) << b.out;
  EXPECT_TRUE(contains(b.out, R"("fallback":"echo")")) << b.out;
}

TEST_F(BreakerNode, OperatorsForceTheBreakerThroughTheCli) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto open = node.cli({"breaker", "--skill", "flaky", "--force-open"});
  ASSERT_EQ(open.exit_code, 0) << open.err;
  EXPECT_TRUE(contains(open.out, "forced-open")) << open.out;
  auto res = node.cli({"submit", "--skill", "flaky", "--input", "0"});
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "BREAKER_OPEN")) << res.err;
  EXPECT_TRUE(contains(res.err, "forced open by an operator")) << res.err;
  auto close = node.cli({"breaker", "--skill", "flaky", "--force-close"});
  EXPECT_TRUE(contains(close.out, "forced-closed")) << close.out;
  EXPECT_EQ(node.cli({"submit", "--skill", "flaky", "--input", "0"}).exit_code,
            0);
  auto reset = node.cli({"breaker", "--skill", "flaky", "--reset", "--json"});
  EXPECT_TRUE(contains(reset.out, R"("state":"closed")")) << reset.out;
  EXPECT_TRUE(contains(reset.out, R"("calls":0)")) << reset.out;
  // Wrong skills are usage errors that say why.
  auto none = node.cli({"breaker", "--skill", "echo", "--force-open"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(contains(none.err, "has no breaker")) << none.err;
  auto unknown = node.cli({"breaker", "--skill", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.err, "no skill 'nope'")) << unknown.err;
  auto both
    = node.cli({"breaker", "--skill", "flaky", "--force-open", "--reset"});
  EXPECT_EQ(both.exit_code, 2);
}

TEST_F(BreakerNode, RetriesRunFailedAttemptsAgain) {
  temp_file conf{"troupe.conf", R"([skills.flaky]
breaker = false
max-attempts = 40
retry-on = ["SKILL_ERROR"]
retry-backoff = 1ms
retry-backoff-max = 4ms
)"};
  auto metrics_port = unused_port();
  node_process node{args(conf, metrics_port)};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  ASSERT_TRUE(c);
  // Half of all attempts fail; 40 attempts all failing would take odds of
  // 1 in 10^12.
  auto rs = run_jobs(*c, "flaky", "0.5", 40);
  ASSERT_EQ(rs.size(), 40u);
  uint32_t most = 0;
  for (auto& r : rs) {
    EXPECT_EQ(r.status, job_status::ok) << r.error;
    most = std::max(most, r.attempts);
  }
  EXPECT_GT(most, 1u);
  auto b = node.cli({"breaker", "--skill", "flaky", "--json"});
  EXPECT_TRUE(contains(b.out, R"("enabled":false,"state":"off")")) << b.out;
  auto body = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(contains(body, R"(troupe_retries_total{skill="flaky"})")) << body;
  EXPECT_FALSE(contains(body, R"(troupe_retries_total{skill="flaky"} 0)"))
    << body;
  // Counted once per job, not per attempt.
  EXPECT_TRUE(
    contains(body, R"(troupe_jobs_total{skill="flaky",status="OK"} 40)"))
    << body;
  auto json
    = node.cli({"submit", "--skill", "flaky", "--input", "0", "--json"});
  EXPECT_TRUE(contains(json.out, R"("attempts":1,"fallback":"")")) << json.out;
}

TEST_F(BreakerNode, SlowCallsTripTheBreaker) {
  temp_file conf{"troupe.conf", R"([skills.slow]
breaker-slow-call-duration = 20ms
breaker-slow-call-rate = 50
breaker-minimum-calls = 4
breaker-open-wait = 1h
)"};
  node_process node{args(conf)};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = connect(node);
  ASSERT_TRUE(c);
  auto rs = run_jobs(*c, "slow", "60", 4);
  EXPECT_EQ(count(rs, job_status::ok), 4u);
  auto after = run_jobs(*c, "slow", "0", 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].status, job_status::breaker_open);
  EXPECT_TRUE(contains(after[0].error, "slow-call rate 100%"))
    << after[0].error;
}
