// `troupe node --config FILE` with real node processes: settings reach the
// running node, the command line wins over the file, and a bad file stops
// the node before it starts with a message naming the file and the key.
#include "tests/support/free_port.hpp"
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

namespace {

// A node refusing its configuration must do so before it starts: these
// runs are bounded, and a node that started anyway is killed and fails.
command_result refused_node(const std::vector<std::string>& args) {
  std::vector<std::string> all{"node", "--port", "0"};
  all.insert(all.end(), args.begin(), args.end());
  return run_troupe(all, {}, std::chrono::seconds(20));
}

} // namespace

// CAF's parser recursed once per bracket: the node died of SIGSEGV.
TEST(ConfigFileNode, DeeplyNestedValueExitsTwoInsteadOfCrashing) {
  temp_file deep{"deep.conf", "[node]\nx = " + std::string(50'000, '[') + "\n"};
  auto res = refused_node({"--config", deep.path()});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_TRUE(contains(res.err, deep.path() + ":2: node.x")) << res.err;
  EXPECT_TRUE(contains(res.err, "nested more than 64 levels deep")) << res.err;
}

// 307445735min wrapped to 26 s, 5124096h to 25 minutes.
TEST(ConfigFileNode, OverflowingDurationsExitTwo) {
  temp_file timeout{"t.conf", "[node]\ndefault-timeout = 307445735min\n"};
  auto res = refused_node({"--config", timeout.path()});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_TRUE(contains(res.err, timeout.path()
                                  + ":2: node.default-timeout: "
                                    "'307445735min' is too long a duration "
                                    "(at most 2562047h"))
    << res.err;
  temp_file ttl{"ttl.conf", "[skills.sha256]\ncache-ttl = 5124096h\n"};
  res = refused_node({"--config", ttl.path()});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_TRUE(contains(res.err, ":2: skills.sha256.cache-ttl: '5124096h'"))
    << res.err;
  // In range of the engine but not of the key: the key's maximum is named.
  temp_file big{"big.conf", "[skills.sha256]\ncache-ttl = 9000h\n"};
  res = refused_node({"--config", big.path()});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_TRUE(contains(res.err, "skills.sha256.cache-ttl: expected a duration "
                                "in 1ms..8760h, got 9000h"))
    << res.err;
}

// A directory read as an empty file: the node started on defaults.
TEST(ConfigFileNode, DirectoryIsNotAConfigFile) {
  auto res = refused_node({"--config", TROUPE_SOURCE_DIR});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_TRUE(contains(res.err, "cannot read the config file (it is a "
                                "directory)"))
    << res.err;
}

// The options share the file's parsing and ranges: what the file refuses,
// the command line refuses too (it used to accept and clamp or keep them).
TEST(ConfigFileNode, CommandLineDurationsAndSizesAreCheckedLikeTheFile) {
  struct bad {
    std::vector<std::string> args;
    std::string message;
  };
  for (auto& x : std::vector<bad>{
         {{"--default-timeout", "307445735min"},
          "--default-timeout: '307445735min' is too long a duration"},
         {{"--default-timeout", "100000h"},
          "--default-timeout: expected a duration in 1ms..8760h, got 100000h"},
         {{"--drain-timeout", "25h"},
          "--drain-timeout: expected a duration in 0s..24h, got 25h"},
         {{"--max-job-bytes", "99999999999999TiB"},
          "--max-job-bytes: '99999999999999TiB' is too large a size"},
         {{"--max-job-bytes", "2GiB"},
          "--max-job-bytes: expected a size in 1..1GiB, got 2GiB"},
         {{"--queue-capacity", "1000000000000"},
          "--queue-capacity: expected 1..100000000, got 1000000000000"},
       }) {
    auto res = refused_node(x.args);
    EXPECT_EQ(res.exit_code, 2)
      << x.args[0] << " " << x.args[1] << ": " << res.err;
    EXPECT_TRUE(contains(res.err, x.message)) << res.err;
  }
  auto res = run_troupe(
    {"submit", "--skill", "echo", "--input", "x", "--timeout", "307445735min"});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_TRUE(contains(res.err, "--timeout")) << res.err;
}

// The metrics endpoint has no authentication: it listens on loopback even
// when the node's ports listen everywhere, unless --metrics-host (or the
// file's metrics-host) says where.
TEST(ConfigFileNode, MetricsListenOnLoopbackUnlessToldWhere) {
  auto port = unused_port();
  node_process open_node{{"--host", "0.0.0.0", "--insecure", "--metrics-port",
                          std::to_string(port)}};
  ASSERT_TRUE(open_node.ready()) << open_node.log();
  EXPECT_TRUE(
    contains(http_get("127.0.0.1", port, "/metrics"), "troupe_jobs_total"));
  // Bound to 127.0.0.1 alone: another local address finds nothing there.
  EXPECT_EQ(http_get("127.0.0.2", port, "/metrics"), "");
  auto port2 = unused_port();
  temp_file conf{"troupe.conf",
                 "[node]\nmetrics-host = \"127.0.0.2\"\nmetrics-port = "
                   + std::to_string(port2) + "\n"};
  node_process chosen{{"--config", conf.path()}};
  ASSERT_TRUE(chosen.ready()) << chosen.log();
  EXPECT_TRUE(
    contains(http_get("127.0.0.2", port2, "/metrics"), "troupe_jobs_total"));
  EXPECT_EQ(http_get("127.0.0.1", port2, "/metrics"), "");
}
