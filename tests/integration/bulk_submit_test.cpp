// `troupe submit --jobs FILE.jsonl` against a real node.
#include "tests/support/node_process.hpp"
#include "tests/support/pool_status.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <thread>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    out.push_back(line);
  return out;
}

} // namespace

TEST(BulkSubmit, EveryLineGetsOneResultAndBadLinesFailAlone) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  std::string jobs;
  for (int i = 0; i < 500; ++i)
    jobs += R"({"skill":"echo","input":"n)" + std::to_string(i) + "\"}\n";
  jobs += "{broken\n"; // line 501
  jobs += R"({"skill":"fail","input":"on purpose"})"
          "\n"; // line 502
  jobs += "\n"; // line 503
  jobs += R"({"skill":"sha256","input":"abc","priority":2})"
          "\n"; // 504
  jobs += R"({"skil":"echo"})"
          "\n"; // line 505
  jobs += R"({"skill":"nope"})"
          "\n"; // line 506
  temp_file file{"jobs.jsonl", jobs};
  auto res = node.cli(
    {"submit", "--jobs", file.path(), "--concurrency", "16", "--json"});
  EXPECT_EQ(res.exit_code, 1) << res.err;
  // One JSON record per non-blank line, each line number exactly once.
  auto out = lines_of(res.out);
  ASSERT_EQ(out.size(), 505u) << res.err;
  std::set<std::string> seen;
  for (auto& rec : out) {
    auto at = rec.find(",");
    ASSERT_EQ(rec.rfind("{\"line\":", 0), 0u) << rec;
    EXPECT_TRUE(seen.insert(rec.substr(0, at)).second) << rec;
  }
  EXPECT_TRUE(contains(res.out, R"({"line":504,"id":504,"status":"OK",)"
                                R"("skill":"sha256","output":"ba7816bf)"))
    << res.out;
  EXPECT_TRUE(contains(res.out, R"({"line":502,"id":502,"status":)"
                                R"("SKILL_ERROR")"));
  // The summary (on stderr with --json) names the failed lines.
  EXPECT_TRUE(contains(res.err, "505 jobs from")) << res.err;
  EXPECT_TRUE(contains(res.err, "OK 501")) << res.err;
  EXPECT_TRUE(contains(res.err, "line 501: BAD_INPUT: malformed job line: "
                                "invalid JSON"))
    << res.err;
  EXPECT_TRUE(contains(res.err, "line 505: BAD_INPUT: malformed job line: "
                                "unknown member \"skil\""))
    << res.err;
  EXPECT_TRUE(contains(res.err, "line 506: UNKNOWN_SKILL")) << res.err;
  EXPECT_TRUE(contains(res.err, "latency p50")) << res.err;
  // Not a terminal: no progress bar.
  EXPECT_FALSE(contains(res.err, "\r")) << res.err;
  // The node kept serving.
  EXPECT_EQ(node.cli({"submit", "--skill", "echo", "--input", "ok"}).out, "ok");
}

TEST(BulkSubmit, ReadsStdinAndExitsZeroWhenAllSucceed) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  std::string jobs;
  for (int i = 0; i < 2000; ++i)
    jobs += R"({"skill":"echo","input":"x"})"
            "\n";
  auto res = node.cli({"submit", "--jobs", "-", "--concurrency", "256"}, jobs);
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, "2000 jobs from stdin")) << res.out;
  EXPECT_TRUE(contains(res.out, "OK 2000")) << res.out;
  EXPECT_FALSE(contains(res.out, "failed lines")) << res.out;
  // An ordinary end is not a lost destination: no warning at all.
  EXPECT_FALSE(contains(res.err, "destination down")) << res.err;
  EXPECT_FALSE(contains(res.err, "warn")) << res.err;
}

// One line whose skill is not UTF-8 used to make its whole SubmitBatch
// unparseable (protobuf checks `string` fields), failing its 63 neighbours.
TEST(BulkSubmit, ALineThatIsNotUtf8FailsAloneAndIsNeverSent) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  std::string jobs;
  for (int i = 1; i <= 200; ++i)
    if (i == 50)
      jobs += "{\"skill\": \"ec\xffho\", \"input\": \"x\"}\n";
    else if (i == 120)
      jobs += "{\"skill\": \"echo\", \"input\": \"bad \xc3\"}\n";
    else
      jobs += R"({"skill":"echo","input":"n)" + std::to_string(i) + "\"}\n";
  temp_file file{"jobs.jsonl", jobs};
  auto res = node.cli({"submit", "--jobs", file.path(), "--concurrency", "64"});
  EXPECT_EQ(res.exit_code, 1) << res.err;
  EXPECT_TRUE(contains(res.out, "200 jobs from")) << res.out;
  EXPECT_TRUE(contains(res.out, "OK 198 BAD_INPUT 2")) << res.out;
  EXPECT_TRUE(contains(res.out, "line 50: BAD_INPUT: malformed job line: "
                                "invalid JSON at column 14: expected valid "
                                "UTF-8"))
    << res.out;
  EXPECT_TRUE(contains(res.out, "line 120: BAD_INPUT: malformed job line"))
    << res.out;
  EXPECT_FALSE(contains(res.err, "destination down")) << res.err;
  // Neither line reached the node.
  auto status = node.cli({"status", "--json"});
  EXPECT_FALSE(contains(status.out, "BAD_INPUT")) << status.out;
}

TEST(BulkSubmit, UnreadableFileAndBadOptionsAreUsageErrors) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"submit", "--jobs", "/nonexistent.jsonl"});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "cannot read '/nonexistent.jsonl'")) << res.err;
  res = node.cli({"submit", "--jobs", "-", "--skill", "echo"});
  EXPECT_EQ(res.exit_code, 2);
  res = node.cli({"submit", "--jobs", "-", "--concurrency", "0"}, "");
  EXPECT_EQ(res.exit_code, 2);
  res = node.cli({"submit"});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "--skill")) << res.err;
}

// The gateway crashes and restarts while lines are still being read (found
// by the chaos test: a JSONL client that connected during a restart lost
// every job). Every line gets one result: only jobs the old gateway had
// taken may end NODE_LOST, lines read while it restarts are refused
// OVERLOADED (not run: retry), and the same stream carries lines to the new
// gateway afterwards.
TEST(BulkSubmit, LinesGoOnToARestartedGateway) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  const int lines = 300;
  std::string jobs;
  for (int i = 0; i < lines; ++i)
    jobs += R"({"skill":"sleep","input":"10"})"
            "\n";
  temp_file file{"jobs.jsonl", jobs};
  command_result res;
  std::thread submit{[&] {
    res = node.cli(
      {"submit", "--jobs", file.path(), "--concurrency", "4", "--json"});
  }};
  // Once some lines have run, the gateway goes.
  bool started = false;
  for (int i = 0; i < 300 && !started; ++i) {
    started = job_count(node, "sleep", "OK") >= 20;
    if (!started)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto crashed = node.cli({"crash", "gateway"});
  submit.join();
  ASSERT_TRUE(started) << node.log();
  EXPECT_EQ(crashed.exit_code, 0) << crashed.err;
  auto out = lines_of(res.out);
  ASSERT_EQ(out.size(), static_cast<size_t>(lines)) << res.err;
  size_t ok = 0;
  size_t lost = 0;
  size_t refused = 0;
  for (auto& rec : out) {
    ok += contains(rec, R"("status":"OK")") ? 1 : 0;
    lost += contains(rec, R"("status":"NODE_LOST")") ? 1 : 0;
    if (contains(rec, R"("status":"OVERLOADED")")) {
      ++refused;
      EXPECT_TRUE(contains(rec, "retry it")) << rec;
    }
  }
  EXPECT_LE(lost, 4u) << res.err;
  EXPECT_EQ(ok + lost + refused, static_cast<size_t>(lines)) << res.err;
  // Lines read once the gateway is back run again.
  std::string more;
  for (int i = 0; i < 20; ++i)
    more += R"({"skill":"echo","input":"after"})"
            "\n";
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    auto again = node.cli({"submit", "--jobs", "-", "--json"}, more);
    back = again.exit_code == 0 && lines_of(again.out).size() == 20;
    if (!back)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(back) << node.log();
}
