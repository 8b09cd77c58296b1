// `troupe crash`: the crash-injection test hook through the CLI.
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Submits echo jobs until one answers (a restarted actor is back within a
// bounded number of tries).
bool serves_again(const node_process& node) {
  for (int i = 0; i < 100; ++i) {
    auto res = node.cli({"submit", "--skill", "echo", "--input", "hi"});
    if (res.exit_code == 0 && res.out == "hi")
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

} // namespace

TEST(CliCrash, CrashesTheNamedActorAndTheNodeServesOn) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  for (std::string path :
       {"router", "skills/echo", "cache/shard-0", "dispatcher", "membership"}) {
    auto res = node.cli({"crash", path});
    EXPECT_EQ(res.exit_code, 0) << path << ": " << res.err;
    EXPECT_TRUE(contains(res.out, "crashed node/" + path)) << res.out;
    EXPECT_TRUE(serves_again(node)) << path << "\n" << node.log();
  }
  // The gateway answers before it goes; clients reach its successor.
  auto gw = node.cli({"crash", "gateway"});
  EXPECT_EQ(gw.exit_code, 0) << gw.err;
  EXPECT_TRUE(contains(gw.out, "crashing the gateway")) << gw.out;
  EXPECT_TRUE(serves_again(node)) << node.log();
  // The health monitor reports restarts on its next poll.
  std::string status;
  for (int i = 0; i < 100; ++i) {
    status = node.cli({"status", "--json"}).out;
    if (contains(status, "\"child\":\"router\",\"restarts\":1"))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(contains(status, "\"child\":\"router\",\"restarts\":1"))
    << status;
}

TEST(CliCrash, AnUnknownActorIsRefusedWithExitTwo) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"crash", "skills/nope"});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "no running actor 'nope'")) << res.err;
  EXPECT_TRUE(res.out.empty()) << res.out;
}

TEST(CliCrash, ANodeWithoutTestSkillsRefusesWithExitTwo) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"crash", "router"});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "--test-skills")) << res.err;
  // Nothing crashed: no restart anywhere.
  auto status = node.cli({"status", "--json"});
  EXPECT_TRUE(contains(status.out, "\"restarts\":[]")) << status.out;
}

TEST(CliCrash, UsageErrorsAndAnUnreachableNode) {
  auto missing = run_troupe({"crash"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "path")) << missing.err;
  auto absent
    = run_troupe({"crash", "--node",
                  "127.0.0.1:" + std::to_string(unused_port()), "router"});
  EXPECT_EQ(absent.exit_code, 3) << absent.err;
}
