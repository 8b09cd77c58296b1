// `troupe tokens` through the real binary: what scripts rely on (only the
// token on stdout, exit codes) and what a node will read (the file).
#include "actors/door/token_file.hpp"
#include "actors/door/token_table.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using namespace troupe::test;
namespace door = troupe::door;

namespace {

std::string read(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A path for a tokens file that does not exist yet, in a private directory
// that the temp_file beside it removes (after the file, which we remove).
struct fresh_tokens_file {
  temp_file marker{"marker", ""};
  std::string path = marker.path().substr(0, marker.path().rfind('/'))
                     + "/troupe-tokens";
  ~fresh_tokens_file() {
    std::remove(path.c_str());
  }
};

} // namespace

TEST(TokensCli, AddPrintsOneTokenAndAppendsOneLine) {
  fresh_tokens_file file;
  auto res = run_troupe({"tokens", "add", "ci", "--role", "operate", "--file",
                         file.path, "--in-flight", "16", "--rate", "50"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  // stdout is the token and a newline, nothing else.
  ASSERT_FALSE(res.out.empty());
  EXPECT_EQ(res.out.back(), '\n');
  auto token = res.out.substr(0, res.out.size() - 1);
  EXPECT_EQ(token.find('\n'), std::string::npos);
  EXPECT_EQ(token.rfind("trp_", 0), 0u) << token;
  EXPECT_TRUE(contains(res.err, "added token 'ci'")) << res.err;
  // One line, holding the digest and never the token.
  auto text = read(file.path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_EQ(text.rfind("ci operate sha256:", 0), 0u) << text;
  EXPECT_TRUE(contains(text, " in-flight=16 rate=50\n")) << text;
  EXPECT_FALSE(contains(text, token));
  struct stat sb;
  ASSERT_EQ(::stat(file.path.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 07777, 0600u);
  // What the node will load finds the printed token.
  auto loaded = door::load_token_file(file.path);
  ASSERT_TRUE(loaded);
  door::token_table table{loaded->entries};
  const auto* found = table.find(token);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->role, door::role::operate);
}

TEST(TokensCli, SecondAddOfANameFailsAndChangesNothing) {
  fresh_tokens_file file;
  auto first = run_troupe(
    {"tokens", "add", "ci", "--role", "submit", "--file", file.path});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto before = read(file.path);
  auto second = run_troupe(
    {"tokens", "add", "ci", "--role", "admin", "--file", file.path});
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_EQ(second.out, "");
  EXPECT_TRUE(contains(second.err, "a token named 'ci' is already"))
    << second.err;
  EXPECT_EQ(read(file.path), before);
  // Another name is added after the first.
  auto other = run_troupe(
    {"tokens", "add", "ops", "--role", "admin", "--file", file.path});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(other.out, first.out);
  EXPECT_EQ(read(file.path).rfind(before, 0), 0u);
}

TEST(TokensCli, BadArgumentsExitWithUsage) {
  fresh_tokens_file file;
  auto bad_role = run_troupe(
    {"tokens", "add", "ci", "--role", "root", "--file", file.path});
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_TRUE(contains(bad_role.err, "--role")) << bad_role.err;
  auto no_role = run_troupe({"tokens", "add", "ci", "--file", file.path});
  EXPECT_EQ(no_role.exit_code, 2);
  auto zero = run_troupe({"tokens", "add", "ci", "--role", "submit", "--file",
                          file.path, "--rate", "0"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_TRUE(contains(zero.err, "rate: expected 1 to")) << zero.err;
  auto bad_name = run_troupe(
    {"tokens", "add", "a/b", "--role", "submit", "--file", file.path});
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_EQ(bad_name.out, "");
  EXPECT_TRUE(read(file.path).empty());
}

TEST(TokensCli, ListShowsNamesRolesAndLimitsButNoDigests) {
  fresh_tokens_file file;
  ASSERT_EQ(run_troupe({"tokens", "add", "ci", "--role", "submit", "--file",
                        file.path, "--rate", "5", "--burst", "20"})
              .exit_code,
            0);
  auto res = run_troupe({"tokens", "list", "--file", file.path});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, "NAME")) << res.out;
  EXPECT_TRUE(contains(res.out, "ci")) << res.out;
  EXPECT_TRUE(contains(res.out, "submit")) << res.out;
  EXPECT_TRUE(contains(res.out, "20")) << res.out;
  EXPECT_FALSE(contains(res.out, "sha256")) << res.out;
  auto missing = run_troupe({"tokens", "list", "--file", file.path + ".no"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, file.path + ".no")) << missing.err;
}
