// `troupe node --log-format json`: what a log collector reads from a real
// node's stderr.
#include "messages/wire/json_reader.hpp"
#include "tests/support/cluster_status.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/process_probe.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

using namespace troupe::test;

namespace {

TEST(NodeLog, JsonFormatWritesOneObjectPerLine) {
  node_process node{{"--log-format", "json", "--log-level", "debug"}};
  ASSERT_TRUE(node.ready()) << node.log();
  // Jobs that succeed and fail, so that more than the node's start and stop
  // is logged.
  EXPECT_EQ(node.cli({"submit", "--skill", "echo", "--input", "x"}).exit_code,
            0);
  EXPECT_NE(
    node.cli({"submit", "--skill", "nope", "--input", "\"\\\n"}).exit_code, 0);
  auto status = node.stop(SIGTERM);
  ASSERT_NE(status, -1) << node.log();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << node.log();
  // The node's stdout shares the file: its own lines are command output,
  // not log lines.
  std::regex stdout_line{
    R"(troupe node .* serving clients on .*|troupe: draining .*)"};
  std::istringstream in{node.log()};
  size_t objects = 0;
  bool saw_stop = false;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, stdout_line))
      continue;
    auto value = troupe::wire::parse_json(line);
    ASSERT_TRUE(value) << "not JSON: " << line;
    ASSERT_NE(value->get_if<troupe::wire::json_value::object>(), nullptr)
      << line;
    for (auto key : {"ts", "level", "logger", "msg"}) {
      auto* field = value->find(key);
      ASSERT_NE(field, nullptr) << key << " missing: " << line;
      EXPECT_NE(field->get_if<std::string>(), nullptr) << line;
    }
    ++objects;
    if (*value->find("msg")->get_if<std::string>() == "stopped")
      saw_stop = true;
  }
  EXPECT_GE(objects, 3u) << node.log();
  EXPECT_TRUE(saw_stop) << node.log();
}

// The `job` field of the first line of `log` whose message contains
// `needle`, if any line has both.
std::optional<double> job_of_line(const std::string& log,
                                  const std::string& needle) {
  std::istringstream in{log};
  for (std::string line; std::getline(in, line);) {
    auto value = troupe::wire::parse_json(line);
    if (!value || value->get_if<troupe::wire::json_value::object>() == nullptr)
      continue;
    auto* msg = value->find("msg");
    auto* job = value->find("job");
    if (msg == nullptr || job == nullptr
        || msg->get_if<std::string>() == nullptr
        || msg->get_if<std::string>()->find(needle) == std::string::npos)
      continue;
    if (auto* id = job->get_if<double>())
      return *id;
  }
  return std::nullopt;
}

TEST(NodeLog, AJobCarriesOneIdOnEveryMember) {
  temp_file conf{"log-cluster.conf", fast_cluster_conf};
  auto with_log = [](std::vector<std::string> args) {
    for (auto x : {"--log-format", "json", "--log-level", "trace"})
      args.emplace_back(x);
    return args;
  };
  node_process a{with_log(member_args("alpha", nullptr, conf.path()))};
  ASSERT_TRUE(a.ready()) << a.log();
  // Only gamma offers the test skill `slow`: a job sent to alpha runs there.
  node_process c{with_log(member_args("gamma", &a, conf.path(), true))};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(knows_skill(a, "gamma", "slow"));
  auto r = a.cli({"submit", "--skill", "slow", "--input", "1", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"node\":\"gamma\""), std::string::npos) << r.out;
  ASSERT_NE(a.stop(SIGTERM), -1);
  ASSERT_NE(c.stop(SIGTERM), -1);
  auto taken_in = job_of_line(a.log(), "of skill slow");
  auto placed = job_of_line(c.log(), "of skill slow placed here by alpha");
  ASSERT_TRUE(taken_in) << a.log();
  ASSERT_TRUE(placed) << c.log();
  EXPECT_EQ(*taken_in, *placed);
}

// What a worker process writes to stderr while it runs a job is logged as
// a line about that job.
TEST(NodeLog, AWorkerProcessesStderrCarriesTheJobsId) {
  temp_file conf{"node.conf", work_conf("workers = 1\n")};
  node_process node{
    {"--config", conf.path(), "--log-format", "json", "--log-level", "trace"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto r = node.cli(
    {"submit", "--skill", "work", "--input", "stderr:said while running"});
  EXPECT_EQ(r.out, "logged") << r.err;
  ASSERT_NE(node.stop(SIGTERM), -1);
  auto taken_in = job_of_line(node.log(), "router: job");
  auto said = job_of_line(node.log(), "said while running");
  ASSERT_TRUE(taken_in) << node.log();
  ASSERT_TRUE(said) << node.log();
  EXPECT_EQ(*taken_in, *said);
}

} // namespace
