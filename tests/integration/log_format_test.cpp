// `troupe node --log-format json`: what a log collector reads from a real
// node's stderr.
#include "messages/wire/json_reader.hpp"
#include "tests/support/node_process.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
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
    R"(troupe node .* listening on .*|troupe: draining .*)"};
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

} // namespace
