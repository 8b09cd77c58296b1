// `troupe node --config FILE` with real node processes: settings reach the
// running node, the command line wins over the file, and a bad file stops
// the node before it starts with a message naming the file and the key.
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST(ConfigFileNode, SkillSectionsReachTheRunningNode) {
  temp_file conf{"troupe.conf", R"([node]
workers = 3

[skills.sha256]
workers = 2
description = "configured digest"

[skills.sleep]
timeout = 100ms
)"};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto skills = node.cli({"skills", "--json"});
  ASSERT_EQ(skills.exit_code, 0) << skills.err;
  EXPECT_TRUE(contains(skills.out, R"("name":"sha256","version":"1",)"
                                   R"("description":"configured digest")"))
    << skills.out;
  EXPECT_TRUE(contains(skills.out, R"("description":"configured digest",)"
                                   R"("blocking":true,"workers":2)"))
    << skills.out;
  // The [node] default applies to the skills without their own setting.
  EXPECT_TRUE(contains(skills.out, R"("name":"wordcount")")) << skills.out;
  EXPECT_TRUE(contains(skills.out, R"("blocking":true,"workers":3)"))
    << skills.out;
  // The skill's own timeout applies to jobs that set none.
  auto res = node.cli({"submit", "--skill", "sleep", "--input", "5000"});
  EXPECT_EQ(res.exit_code, 4) << res.err;
  EXPECT_TRUE(contains(res.err, "within 100 ms")) << res.err;
}

TEST(ConfigFileNode, CommandLineOptionsWinOverTheFile) {
  temp_file conf{"troupe.conf", "[node]\nworkers = 2\nname = \"from-file\"\n"};
  node_process node{{"--config", conf.path(), "--name", "from-cli"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"submit", "--skill", "echo", "--input", "x", "--json"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, R"("node":"from-cli")")) << res.out;
  auto skills = node.cli({"skills", "--json"});
  EXPECT_TRUE(contains(skills.out, R"("blocking":true,"workers":2)"))
    << skills.out;
}

TEST(ConfigFileNode, WronglyTypedValueStopsTheNodeWithExitTwo) {
  temp_file conf{"bad.conf", "[node]\nworkers = \"many\"\n"};
  auto res = run_troupe({"node", "--port", "0", "--config", conf.path()});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, conf.path()
                                  + ": node.workers: expected a "
                                    "whole number in 1..1024, got "
                                    "\"many\""))
    << res.err;
}

TEST(ConfigFileNode, UnknownKeyAndUnknownSkillAreRefused) {
  temp_file typo{"typo.conf", "[node]\nwrokers = 2\n"};
  auto res = run_troupe({"node", "--port", "0", "--config", typo.path()});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "node.wrokers: unknown key")) << res.err;
  temp_file skill{"skill.conf", "[skills.nope]\nworkers = 2\n"};
  res = run_troupe({"node", "--port", "0", "--config", skill.path()});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "skills.nope: this node has no skill named "
                                "'nope'; it has: echo, sha256"))
    << res.err;
}

TEST(ConfigFileNode, SyntaxErrorAndMissingFileExitTwo) {
  temp_file broken{"broken.conf", "[node]\nport = 47x\n"};
  auto res = run_troupe({"node", "--port", "0", "--config", broken.path()});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, broken.path() + ":2: syntax error")) << res.err;
  res = run_troupe({"node", "--port", "0", "--config", "/nonexistent.conf"});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "/nonexistent.conf: cannot read")) << res.err;
}
