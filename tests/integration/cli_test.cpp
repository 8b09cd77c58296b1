// Drives real `troupe node` processes through the `troupe` CLI.
#include "config/version.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/silent_listener.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Polls `troupe status --json` until `pred(json)` holds (at most ~10 s).
template <class Pred>
bool wait_for_status(const node_process& node, Pred pred) {
  for (int i = 0; i < 200; ++i) {
    auto res = node.cli({"status", "--json"});
    if (res.exit_code == 0 && pred(res.out))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

} // namespace

TEST(Cli, Sha256OfAbc) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"submit", "--skill", "sha256", "--input", "abc"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_EQ(res.out,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Cli, EchoRoundTripsBinaryBytes) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  std::string data{"a\0b\xff\xfe\x80 \n\x01z", 11};
  temp_file input{"echo.bin", data};
  auto res
    = node.cli({"submit", "--skill", "echo", "--input-file", input.path()});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_EQ(res.out, data);
  // The same bytes through stdin.
  auto piped = node.cli({"submit", "--skill", "echo", "--input-file", "-"},
                        data);
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, data);
}

TEST(Cli, JsonResultRecord) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"submit", "--skill", "echo", "--input", "hi", "--json"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, "\"status\":\"OK\"")) << res.out;
  EXPECT_TRUE(contains(res.out, "\"output\":\"hi\"")) << res.out;
  EXPECT_TRUE(contains(res.out, "\"node\":\"" + node.address() + "\""))
    << res.out;
  EXPECT_TRUE(contains(res.out, "\"cache_hit\":false")) << res.out;
}

TEST(Cli, WordcountAndSkillsAndStatus) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto wc = node.cli({"submit", "--skill", "wordcount", "--input", "b a b"});
  EXPECT_EQ(wc.exit_code, 0) << wc.err;
  EXPECT_EQ(wc.out, "{\"a\":1,\"b\":2}");
  auto skills = node.cli({"skills"});
  EXPECT_EQ(skills.exit_code, 0) << skills.err;
  for (auto name : {"echo", "sha256", "sleep", "wordcount"})
    EXPECT_TRUE(contains(skills.out, name)) << skills.out;
  EXPECT_FALSE(contains(skills.out, "crash")) << skills.out;
  auto status = node.cli({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(contains(status.out, node.address())) << status.out;
  EXPECT_TRUE(contains(status.out, "OK=1")) << status.out;
  auto json = node.cli({"status", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(contains(json.out, "\"jobs\":{\"OK\":1}")) << json.out;
  EXPECT_TRUE(contains(json.out, "\"uptime_ms\":")) << json.out;
}

TEST(Cli, UnknownSkillNamesItAndListsAvailable) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"submit", "--skill", "nope", "--input", "x"});
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "UNKNOWN_SKILL")) << res.err;
  EXPECT_TRUE(contains(res.err, "unknown skill 'nope'")) << res.err;
  EXPECT_TRUE(contains(res.err, "available: echo, sha256, sleep, wordcount"))
    << res.err;
  auto after = node.cli({"submit", "--skill", "echo", "--input", "still"});
  EXPECT_EQ(after.exit_code, 0);
  EXPECT_EQ(after.out, "still");
}

TEST(Cli, OversizedInputIsBadInput) {
  node_process node{{"--max-job-bytes", "1KiB"}};
  ASSERT_TRUE(node.ready()) << node.log();
  temp_file input{"big.bin", std::string(2048, 'x')};
  auto res
    = node.cli({"submit", "--skill", "echo", "--input-file", input.path()});
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "BAD_INPUT")) << res.err;
  EXPECT_TRUE(contains(res.err, "max-job-bytes")) << res.err;
  auto ok = node.cli({"submit", "--skill", "echo", "--input", "small"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(Cli, InputOverDefaultLimitIsBadInput) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  temp_file input{"huge.bin", std::string(16 * 1024 * 1024 + 1, 'y')};
  auto res
    = node.cli({"submit", "--skill", "sha256", "--input-file", input.path()});
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "BAD_INPUT")) << res.err;
  EXPECT_TRUE(contains(res.err, "16777217 bytes")) << res.err;
  auto ok = node.cli({"submit", "--skill", "echo", "--input", "alive"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(Cli, UnreachableNodeExitsThree) {
  auto port = unused_port();
  auto address = "127.0.0.1:" + std::to_string(port);
  auto res = run_troupe({"submit", "--node", address, "--skill", "echo"});
  EXPECT_EQ(res.exit_code, 3);
  EXPECT_TRUE(contains(res.err, "cannot reach node " + address)) << res.err;
  auto status = run_troupe({"status", "--node", address});
  EXPECT_EQ(status.exit_code, 3);
  auto skills = run_troupe({"skills", "--node", address});
  EXPECT_EQ(skills.exit_code, 3);
}

// A peer that accepts TCP but never completes CAF's handshake used to hang
// every client command for minutes; now each gives up after
// --connect-timeout, exits 3, and the process ends (the half-open
// connection does not hold up its shutdown).
TEST(Cli, ANodeThatNeverAnswersExitsThreeAfterTheConnectTimeout) {
  silent_listener silent;
  ASSERT_NE(silent.port(), 0);
  auto address = "127.0.0.1:" + std::to_string(silent.port());
  temp_file jobs{"jobs.jsonl", R"({"skill":"echo","input":"x"})"
                               "\n"};
  std::vector<std::vector<std::string>> commands{
    {"submit", "--skill", "echo", "--input", "x"},
    {"submit", "--jobs", jobs.path()},
    {"status"},
    {"skills"},
    {"bench", "--skill", "echo", "--jobs", "1"},
    {"breaker", "--skill", "flaky"}};
  for (auto args : commands) {
    SCOPED_TRACE(args[0] + " " + args[1 % args.size()]);
    args.insert(args.end(), {"--node", address, "--connect-timeout", "1s"});
    auto res = run_troupe(args, {}, std::chrono::seconds(30));
    EXPECT_EQ(res.exit_code, 3) << res.err;
    EXPECT_TRUE(contains(res.err, "cannot reach node " + address
                                    + " (no handshake within 1 s)"))
      << res.err;
  }
  // The default is 5 s.
  auto res = run_troupe({"status", "--node", address}, {},
                        std::chrono::seconds(30));
  EXPECT_EQ(res.exit_code, 3) << res.err;
  EXPECT_TRUE(contains(res.err, "no handshake within 5 s")) << res.err;
  auto bad
    = run_troupe({"status", "--node", address, "--connect-timeout", "soon"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_TRUE(contains(bad.err, "--connect-timeout")) << bad.err;
}

// TLS files the client cannot use are a usage error, named in the message,
// before any connection is tried.
TEST(Cli, UnusableTlsFilesExitTwo) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto missing = node.cli({"status", "--tls-ca", "/nonexistent/ca.pem"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_TRUE(contains(missing.err, "cannot read '/nonexistent/ca.pem'"))
    << missing.err;
  // A client certificate goes with its key.
  auto alone = node.cli({"skills", "--tls-cert", "/nonexistent/cert.pem"});
  EXPECT_EQ(alone.exit_code, 2) << alone.err;
  EXPECT_TRUE(contains(alone.err, "--tls-key")) << alone.err;
}

// With inputs over --max-job-bytes, every job fails alone as BAD_INPUT;
// none waits for its deadline because of a neighbour.
TEST(Cli, BenchJobsOverMaxJobBytesAllFailAlone) {
  node_process node{{"--max-job-bytes", "8KiB"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto res
    = node.cli({"bench", "--skill", "echo", "--input", std::string(9000, 'x'),
                "--jobs", "200", "--concurrency", "256", "--timeout", "3s"});
  EXPECT_EQ(res.exit_code, 1) << res.err;
  EXPECT_TRUE(contains(res.out, "statuses: BAD_INPUT=200\n")) << res.out;
  EXPECT_TRUE(contains(res.out, "max-job-bytes")) << res.out;
}

TEST(Cli, MalformedArgumentsExitTwoWithUsage) {
  auto missing_skill = run_troupe({"submit", "--input", "x"});
  EXPECT_EQ(missing_skill.exit_code, 2);
  EXPECT_TRUE(contains(missing_skill.err, "--skill")) << missing_skill.err;
  EXPECT_TRUE(contains(missing_skill.err, "Usage")) << missing_skill.err;
  EXPECT_EQ(run_troupe({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_troupe({}).exit_code, 2);
  auto bad_node = run_troupe({"submit", "--node", "nonsense", "--skill", "e"});
  EXPECT_EQ(bad_node.exit_code, 2);
  EXPECT_TRUE(contains(bad_node.err, "HOST:PORT")) << bad_node.err;
  auto bad_timeout = run_troupe({"submit", "--skill", "echo", "--timeout",
                                 "soon", "--node", "127.0.0.1:1"});
  EXPECT_EQ(bad_timeout.exit_code, 2);
  auto both_inputs = run_troupe(
    {"submit", "--skill", "echo", "--input", "a", "--input-file", "/dev/null"});
  EXPECT_EQ(both_inputs.exit_code, 2);
  auto missing_file = run_troupe(
    {"submit", "--skill", "echo", "--input-file", "/nonexistent/troupe-input"});
  EXPECT_EQ(missing_file.exit_code, 2);
  EXPECT_TRUE(contains(missing_file.err, "cannot read")) << missing_file.err;
  EXPECT_EQ(run_troupe({"node", "--port", "99999"}).exit_code, 2);
  auto bad_level = run_troupe({"node", "--port", "0", "--log-level", "loud"});
  EXPECT_EQ(bad_level.exit_code, 2);
  EXPECT_TRUE(contains(bad_level.err, "--log-level")) << bad_level.err;
  auto bad_format = run_troupe({"node", "--port", "0", "--log-format", "xml"});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_TRUE(
    contains(bad_format.err, "--log-format: expected text or json, got 'xml'"))
    << bad_format.err;
  EXPECT_EQ(run_troupe({"node", "--workers", "0"}).exit_code, 2);
  EXPECT_EQ(run_troupe({"node", "--max-job-bytes", "lots"}).exit_code, 2);
  EXPECT_EQ(run_troupe({"bench", "--skill", "echo", "--jobs", "0"}).exit_code,
            2);
  auto no_ids = run_troupe({"cancel"});
  EXPECT_EQ(no_ids.exit_code, 2);
  EXPECT_TRUE(contains(no_ids.err, "ID")) << no_ids.err;
  EXPECT_EQ(run_troupe({"result"}).exit_code, 2);
}

TEST(Cli, HelpOnEverySubcommand) {
  for (auto cmd : {"node", "submit", "skills", "status", "bench", "result",
                   "cancel", "drain", "breaker", "tokens"}) {
    auto res = run_troupe({cmd, "--help"});
    EXPECT_EQ(res.exit_code, 0) << cmd;
    EXPECT_TRUE(contains(res.out, "Usage")) << cmd << ": " << res.out;
  }
  auto top = run_troupe({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_TRUE(contains(top.out, "submit")) << top.out;
}

TEST(Cli, PortInUseExitsTwo) {
  node_process first;
  ASSERT_TRUE(first.ready()) << first.log();
  auto res = run_troupe({"node", "--port", std::to_string(first.port())}, {},
                        std::chrono::seconds(30));
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "cannot listen on 127.0.0.1:"
                                  + std::to_string(first.port())))
    << res.err;
  auto ok = first.cli({"submit", "--skill", "echo", "--input", "x"});
  EXPECT_EQ(ok.exit_code, 0);
}

TEST(Cli, BlockingSkillDoesNotStallOthers) {
  node_process node{{"--workers", "2"}};
  ASSERT_TRUE(node.ready()) << node.log();
  // Occupy every sleep worker until the test cancels their jobs: nothing
  // here depends on how fast the other jobs go.
  std::vector<std::string> sleepers;
  for (int i = 0; i < 2; ++i) {
    auto res = node.cli(
      {"submit", "--skill", "sleep", "--input", "60000", "--detach"});
    ASSERT_EQ(res.exit_code, 0) << res.err;
    sleepers.push_back(res.out.substr(0, res.out.find_last_not_of("\n") + 1));
  }
  auto sleep_busy = [](const std::string& json) {
    auto at = json.find("\"name\":\"sleep\"");
    return at != std::string::npos
           && contains(json.substr(at, json.find('}', at) - at), "\"busy\":2");
  };
  EXPECT_TRUE(wait_for_status(node, sleep_busy))
    << "sleep workers never became busy";
  for (int i = 0; i < 20; ++i) {
    auto res
      = node.cli({"submit", "--skill", "echo", "--input", std::to_string(i)});
    EXPECT_EQ(res.exit_code, 0) << res.err;
    EXPECT_EQ(res.out, std::to_string(i));
  }
  auto sha = node.cli({"submit", "--skill", "sha256", "--input", "abc"});
  EXPECT_EQ(sha.exit_code, 0) << sha.err;
  // The sleepers still run: echo and sha256 did not wait for them.
  auto still_busy = node.cli({"status", "--json"});
  EXPECT_TRUE(sleep_busy(still_busy.out)) << still_busy.out;
  auto cancel = node.cli({"cancel", sleepers[0], sleepers[1]});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  for (auto& id : sleepers) {
    auto r = node.cli({"result", id, "--wait"});
    EXPECT_TRUE(contains(r.out + r.err, "CANCELLED")) << r.out << r.err;
  }
}

TEST(Cli, CrashingWorkerIsReplaced) {
  node_process node{{"--test-skills", "--workers", "1"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto crash = node.cli({"submit", "--skill", "crash", "--input", "x"});
  EXPECT_EQ(crash.exit_code, 1);
  EXPECT_TRUE(contains(crash.err, "SKILL_ERROR")) << crash.err;
  EXPECT_TRUE(contains(crash.err, "crashed")) << crash.err;
  // Again: the single worker was replaced, so the pool still serves.
  auto again = node.cli({"submit", "--skill", "crash", "--input", "x"});
  EXPECT_EQ(again.exit_code, 1);
  auto json = node.cli({"status", "--json"});
  auto pos = json.out.find("\"name\":\"crash\"");
  ASSERT_NE(pos, std::string::npos) << json.out;
  EXPECT_TRUE(contains(json.out.substr(pos), "\"worker_restarts\":2"))
    << json.out;
  auto echo = node.cli({"submit", "--skill", "echo", "--input", "ok"});
  EXPECT_EQ(echo.exit_code, 0);
}

TEST(Cli, TestSkillsFailAndTimeout) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto fail
    = node.cli({"submit", "--skill", "fail", "--input", "broken on purpose"});
  EXPECT_EQ(fail.exit_code, 1);
  EXPECT_TRUE(contains(fail.err, "SKILL_ERROR: broken on purpose")) << fail.err;
  auto slow = node.cli(
    {"submit", "--skill", "slow", "--input", "3000", "--timeout", "200ms"});
  EXPECT_EQ(slow.exit_code, 4);
  EXPECT_TRUE(contains(slow.err, "TIMEOUT")) << slow.err;
  auto flaky = node.cli({"submit", "--skill", "flaky", "--input", "0"});
  EXPECT_EQ(flaky.exit_code, 0) << flaky.err;
  auto bad = node.cli({"submit", "--skill", "sleep", "--input", "soon"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "BAD_INPUT")) << bad.err;
}

TEST(Cli, BenchAnswersEveryJob) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"bench", "--skill", "echo", "--jobs", "1000",
                       "--concurrency", "1000", "--input", "x"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, "statuses: OK=1000")) << res.out;
  EXPECT_TRUE(contains(res.out, "jobs/s")) << res.out;
  EXPECT_TRUE(contains(res.out, "p99")) << res.out;
}

TEST(Cli, MetricsEndpointCountsJobs) {
  auto metrics_port = unused_port();
  node_process node{{"--metrics-port", std::to_string(metrics_port)}};
  ASSERT_TRUE(node.ready()) << node.log();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(node.cli({"submit", "--skill", "echo", "--input", "m"}).exit_code,
              0);
  EXPECT_EQ(node.cli({"submit", "--skill", "nope"}).exit_code, 1);
  auto body = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(
    contains(body, "troupe_jobs_total{skill=\"echo\",status=\"OK\"} 3"))
    << body;
  // Unknown skills are counted under one label, never under the name a
  // client sent.
  EXPECT_TRUE(
    contains(body, "troupe_jobs_total{skill=\"-\",status=\"UNKNOWN_SKILL\"} 1"))
    << body;
  EXPECT_FALSE(contains(body, "skill=\"nope\"")) << body;
  EXPECT_TRUE(
    contains(body, "troupe_job_duration_seconds_count{skill=\"echo\"} 3"))
    << body;
  // The conventional info and process metrics.
  EXPECT_TRUE(contains(body, "troupe_build_info{caf=\"0.17.6\",grpc=\""))
    << body;
  EXPECT_TRUE(contains(body, std::string{"version=\""} + troupe::config::version
                               + "\"} 1"))
    << body;
  for (auto name :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
        "process_open_fds ", "process_max_fds ", "process_start_time_seconds ",
        "process_virtual_memory_bytes "})
    EXPECT_TRUE(contains(body, std::string{"\n"} + name)) << name << body;
}

TEST(Cli, NodeStopsCleanlyOnSigterm) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  EXPECT_EQ(node.cli({"submit", "--skill", "echo", "--input", "x"}).exit_code,
            0);
  auto status = node.stop(SIGTERM);
  ASSERT_NE(status, -1) << "node did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}
