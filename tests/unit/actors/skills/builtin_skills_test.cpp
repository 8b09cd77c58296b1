#include "actors/base/sha256.hpp"
#include "actors/skills/builtin_skills.hpp"
#include "actors/skills/execution_journal.hpp"
#include "actors/skills/skill.hpp"
#include "messages/errors.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using troupe::job_status;
using troupe::skills::skill_catalog;
using troupe::skills::skill_definition;
using troupe::skills::skill_output;

std::vector<std::string> names(const troupe::skills::skill_catalog& catalog) {
  std::vector<std::string> out;
  for (auto& s : catalog.all())
    out.push_back(s->name);
  return out;
}

class BuiltinSkills : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(troupe::skills::add_builtin_skills(catalog));
    ASSERT_FALSE(troupe::skills::add_test_skills(catalog));
  }

  troupe::skills::skill_output run(const std::string& skill,
                                   const std::string& input) {
    auto def = catalog.find(skill);
    if (!def) {
      ADD_FAILURE() << "no skill " << skill;
      return {};
    }
    return def->fn(input);
  }

  troupe::skills::skill_catalog catalog;
};

TEST(BuiltinSkillCatalog, WithoutTestSkills) {
  troupe::skills::skill_catalog catalog;
  ASSERT_FALSE(troupe::skills::add_builtin_skills(catalog));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"echo", "sha256", "sleep", "wordcount"}));
  EXPECT_EQ(catalog.size(), 4u);
  EXPECT_EQ(catalog.find("crash"), nullptr);
}

TEST(BuiltinSkillCatalog, WithTestSkills) {
  troupe::skills::skill_catalog catalog;
  ASSERT_FALSE(troupe::skills::add_builtin_skills(catalog));
  ASSERT_FALSE(troupe::skills::add_test_skills(catalog));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"crash", "echo", "fail", "flaky",
                                      "record", "record-idem", "sha256",
                                      "sleep", "slow", "wordcount"}));
}

TEST(BuiltinSkillCatalog, TestSkillsAlone) {
  troupe::skills::skill_catalog catalog;
  ASSERT_FALSE(troupe::skills::add_test_skills(catalog));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"crash", "fail", "flaky", "record",
                                      "record-idem", "slow"}));
}

TEST(BuiltinSkillCatalog, AddingBuiltinsTwiceFails) {
  troupe::skills::skill_catalog catalog;
  ASSERT_FALSE(troupe::skills::add_builtin_skills(catalog));
  EXPECT_TRUE(troupe::skills::add_builtin_skills(catalog));
}

TEST_F(BuiltinSkills, Properties) {
  // Skills that never block run on the scheduler; sleeping ones must not.
  EXPECT_EQ(catalog.find("echo")->mode, troupe::skills::skill_mode::in_pool);
  EXPECT_EQ(catalog.find("fail")->mode, troupe::skills::skill_mode::in_pool);
  EXPECT_EQ(catalog.find("flaky")->mode, troupe::skills::skill_mode::in_pool);
  EXPECT_EQ(catalog.find("sleep")->mode, troupe::skills::skill_mode::blocking);
  EXPECT_EQ(catalog.find("slow")->mode, troupe::skills::skill_mode::blocking);
  // A crash must not be retried: running it again would crash again.
  EXPECT_FALSE(catalog.find("crash")->idempotent);
  EXPECT_EQ(catalog.find("crash")->max_attempts, 1u);
  EXPECT_EQ(catalog.find("fail")->max_attempts, 1u);
  // record must never run a job twice; record-idem may be retried. Neither
  // is cached (a hit would hide an execution) and both may block on I/O.
  EXPECT_FALSE(catalog.find("record")->idempotent);
  EXPECT_EQ(catalog.find("record")->max_attempts, 1u);
  EXPECT_TRUE(catalog.find("record-idem")->idempotent);
  EXPECT_GT(catalog.find("record-idem")->max_attempts, 1u);
  for (auto name : {"record", "record-idem"}) {
    EXPECT_FALSE(catalog.find(name)->cache.enabled) << name;
    EXPECT_EQ(catalog.find(name)->mode, troupe::skills::skill_mode::blocking)
      << name;
  }
  for (auto& s : catalog.all()) {
    EXPECT_FALSE(s->description.empty()) << s->name;
    EXPECT_TRUE(static_cast<bool>(s->fn)) << s->name;
  }
}

TEST_F(BuiltinSkills, EchoReturnsItsInput) {
  auto out = run("echo", "hello");
  EXPECT_EQ(out.status, job_status::ok);
  EXPECT_EQ(out.data, "hello");
  std::string binary("\0\xff\x01", 3);
  EXPECT_EQ(run("echo", binary).data, binary);
  EXPECT_EQ(run("echo", "").data, "");
}

TEST_F(BuiltinSkills, Sha256ReturnsHexDigest) {
  auto out = run("sha256", "abc");
  EXPECT_EQ(out.status, job_status::ok);
  EXPECT_EQ(out.data,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(run("sha256", "").data, troupe::base::sha256::hex_digest(""));
}

TEST_F(BuiltinSkills, WordcountCountsWordsAsSortedJson) {
  auto out = run("wordcount", "b a b");
  EXPECT_EQ(out.status, job_status::ok);
  EXPECT_EQ(out.data, R"({"a":1,"b":2})");
}

TEST_F(BuiltinSkills, WordcountSplitsOnAnyWhitespace) {
  EXPECT_EQ(run("wordcount", "  x\ty\n\nx  \r\n").data, R"({"x":2,"y":1})");
  EXPECT_EQ(run("wordcount", "").data, "{}");
  EXPECT_EQ(run("wordcount", " \t\n ").data, "{}");
}

TEST_F(BuiltinSkills, WordcountEscapesWordsAsJson) {
  EXPECT_EQ(run("wordcount", "say \"hi\" \\").data,
            R"({"\"hi\"":1,"\\":1,"say":1})");
  EXPECT_EQ(run("wordcount", "\xff").data, R"({"\u00ff":1})");
}

TEST_F(BuiltinSkills, SleepRejectsBadInput) {
  for (std::string bad :
       {"", "abc", "-1", "1.5", "10ms", "3600001", "99999999999999999999999"}) {
    auto out = run("sleep", bad);
    EXPECT_EQ(out.status, job_status::bad_input) << "input '" << bad << "'";
    EXPECT_NE(out.data.find("milliseconds"), std::string::npos) << out.data;
  }
  EXPECT_EQ(run("slow", "x").status, job_status::bad_input);
}

TEST_F(BuiltinSkills, SleepZeroSucceeds) {
  auto out = run("sleep", "0");
  EXPECT_EQ(out.status, job_status::ok);
  EXPECT_EQ(out.data, "0");
  // Surrounding whitespace (e.g. a trailing newline from a shell) is fine.
  EXPECT_EQ(run("sleep", " 0\n").status, job_status::ok);
  EXPECT_EQ(run("slow", "0").status, job_status::ok);
}

TEST_F(BuiltinSkills, SleepSleepsBriefly) {
  auto out = run("sleep", "1");
  EXPECT_EQ(out.status, job_status::ok);
  EXPECT_EQ(out.data, "1");
}

TEST_F(BuiltinSkills, FailReturnsSkillErrorWithTheInputAsMessage) {
  auto out = run("fail", "disk on fire");
  EXPECT_EQ(out.status, job_status::skill_error);
  EXPECT_EQ(out.data, "disk on fire");
}

TEST_F(BuiltinSkills, FlakyWithProbabilityZeroAlwaysSucceeds) {
  for (int i = 0; i < 200; ++i) {
    auto out = run("flaky", "0");
    ASSERT_EQ(out.status, job_status::ok);
    EXPECT_EQ(out.data, "ok");
  }
}

TEST_F(BuiltinSkills, FlakyWithProbabilityOneAlwaysFails) {
  for (int i = 0; i < 200; ++i)
    ASSERT_EQ(run("flaky", "1").status, job_status::skill_error);
}

TEST_F(BuiltinSkills, FlakyRejectsProbabilitiesOutsideZeroToOne) {
  EXPECT_EQ(run("flaky", "2").status, job_status::bad_input);
  EXPECT_EQ(run("flaky", "-0.5").status, job_status::bad_input);
  EXPECT_EQ(run("flaky", "abc").status, job_status::bad_input);
  EXPECT_EQ(run("flaky", "").status, job_status::bad_input);
  EXPECT_EQ(run("flaky", "nan").status, job_status::bad_input);
}

TEST_F(BuiltinSkills, CrashReturnsACrash) {
  auto def = catalog.find("crash");
  ASSERT_NE(def, nullptr);
  auto out = def->fn("anything");
  EXPECT_TRUE(out.crashed);
  EXPECT_EQ(out.status, job_status::skill_error);
}

// -- record, record-idem ------------------------------------------------------

// Points $TROUPE_TEST_JOURNAL at a fresh file for one test, and restores
// the variable's absence afterwards.
class RecordSkills : public BuiltinSkills {
 protected:
  void SetUp() override {
    BuiltinSkills::SetUp();
    ::setenv(troupe::skills::execution_journal_env, journal.path().c_str(), 1);
  }

  void TearDown() override {
    ::unsetenv(troupe::skills::execution_journal_env);
  }

  std::vector<std::string> journal_lines() const {
    std::ifstream in{journal.path()};
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line))
      out.push_back(line);
    return out;
  }

  // The journal starts empty (the file exists; the skill appends).
  troupe::test::temp_file journal{"journal.jsonl", ""};
};

// "<sha256 of input> <execution id>": the digest, and the id after it.
std::pair<std::string, std::string> split_output(const std::string& out) {
  auto space = out.find(' ');
  if (space == std::string::npos)
    return {out, ""};
  return {out.substr(0, space), out.substr(space + 1)};
}

TEST_F(RecordSkills, AnswersTheDigestAndAFreshExecutionIdPerRun) {
  for (auto name : {"record", "record-idem"}) {
    auto first = run(name, "job-1");
    auto second = run(name, "job-1");
    ASSERT_EQ(first.status, job_status::ok) << first.data;
    ASSERT_EQ(second.status, job_status::ok) << second.data;
    auto [digest1, id1] = split_output(first.data);
    auto [digest2, id2] = split_output(second.data);
    EXPECT_EQ(digest1, troupe::base::sha256::hex_digest("job-1"));
    EXPECT_EQ(digest2, digest1);
    EXPECT_FALSE(id1.empty());
    EXPECT_NE(id1, id2) << name;
    // The id starts with the process id, so ids of different processes
    // differ too.
    EXPECT_EQ(id1.rfind(std::to_string(::getpid()) + ".", 0), 0u) << id1;
  }
}

TEST_F(RecordSkills, JournalsEveryExecutionOnItsOwnLine) {
  auto a = run("record", "job-a");
  auto b = run("record-idem", "say \"hi\"\nthere");
  ASSERT_EQ(a.status, job_status::ok);
  ASSERT_EQ(b.status, job_status::ok);
  auto lines = journal_lines();
  ASSERT_EQ(lines.size(), 2u);
  auto id_a = split_output(a.data).second;
  auto id_b = split_output(b.data).second;
  EXPECT_EQ(lines[0].rfind("{\"skill\":\"record\",\"input\":\"job-a\","
                           "\"exec\":\""
                             + id_a + "\",\"us\":",
                           0),
            0u)
    << lines[0];
  // Inputs are JSON-escaped: a newline in the input never splits a line.
  EXPECT_EQ(lines[1].rfind("{\"skill\":\"record-idem\",\"input\":"
                           "\"say \\\"hi\\\"\\nthere\",\"exec\":\""
                             + id_b + "\",",
                           0),
            0u)
    << lines[1];
  EXPECT_EQ(lines[1].back(), '}');
}

TEST_F(RecordSkills, ConcurrentExecutionsNeverInterleaveLines) {
  constexpr int threads = 4;
  constexpr int per_thread = 200;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([this, t] {
      for (int i = 0; i < per_thread; ++i)
        run("record", "t" + std::to_string(t) + "-" + std::to_string(i));
    });
  for (auto& th : pool)
    th.join();
  auto lines = journal_lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(threads * per_thread));
  std::set<std::string> ids;
  for (auto& line : lines) {
    ASSERT_EQ(line.rfind("{\"skill\":\"record\",", 0), 0u) << line;
    ASSERT_EQ(line.back(), '}') << line;
    auto at = line.find("\"exec\":\"");
    ASSERT_NE(at, std::string::npos) << line;
    at += 8;
    ids.insert(line.substr(at, line.find('"', at) - at));
  }
  EXPECT_EQ(ids.size(), lines.size());
}

TEST_F(RecordSkills, AnInputEndingInMillisecondsTakesThatLongAfterJournaling) {
  auto start = std::chrono::steady_clock::now();
  auto out = run("record", "tag@30ms");
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(30));
  ASSERT_EQ(out.status, job_status::ok) << out.data;
  EXPECT_EQ(split_output(out.data).first,
            troupe::base::sha256::hex_digest("tag@30ms"));
  EXPECT_EQ(journal_lines().size(), 1u);
  // Anything else is just part of the tag.
  for (std::string other : {"a@ms", "a@x5ms", "@", "5ms", "a@3600001ms"})
    EXPECT_EQ(run("record-idem", other).status, job_status::ok) << other;
}

TEST_F(RecordSkills, ACancelledPauseEndsCancelledButStaysJournaled) {
  troupe::skills::cancellation token;
  troupe::skills::skill_context ctx{
    &token, 7, troupe::skills::skill_context::time_point::max()};
  token.cancel(7);
  auto out = catalog.find("record")->fn("tag@60000ms", ctx);
  EXPECT_EQ(out.status, job_status::cancelled) << out.data;
  EXPECT_EQ(journal_lines().size(), 1u);
}

TEST_F(RecordSkills, WithoutTheVariableFailsSayingSo) {
  ::unsetenv(troupe::skills::execution_journal_env);
  for (auto name : {"record", "record-idem"}) {
    auto out = run(name, "job");
    EXPECT_EQ(out.status, job_status::skill_error) << name;
    EXPECT_NE(out.data.find("TROUPE_TEST_JOURNAL"), std::string::npos)
      << out.data;
  }
  ::setenv(troupe::skills::execution_journal_env, "", 1);
  EXPECT_EQ(run("record", "job").status, job_status::skill_error);
  EXPECT_TRUE(journal_lines().empty());
}

TEST_F(RecordSkills, AnUnwritableJournalFailsTheJobSayingWhy) {
  ::setenv(troupe::skills::execution_journal_env, "/nonexistent-dir/journal",
           1);
  auto out = run("record", "job");
  EXPECT_EQ(out.status, job_status::skill_error);
  EXPECT_NE(out.data.find("/nonexistent-dir/journal"), std::string::npos)
    << out.data;
}

// -- skill_catalog ------------------------------------------------------------

troupe::skills::skill_definition make_skill(std::string name) {
  troupe::skills::skill_definition def;
  def.name = std::move(name);
  def.fn = [](const std::string& in) {
    return troupe::skills::skill_output::success(in);
  };
  return def;
}

bool is_invalid_config(const caf::error& err) {
  return err.category() == caf::atom("troupe")
         && err.code()
              == static_cast<uint8_t>(troupe::error_code::invalid_config);
}

TEST(SkillCatalog, AddAndFind) {
  troupe::skills::skill_catalog catalog;
  auto def = make_skill("my.skill-1_x");
  def.description = "first";
  EXPECT_FALSE(catalog.add(def));
  auto found = catalog.find("my.skill-1_x");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->description, "first");
  EXPECT_EQ(catalog.find("other"), nullptr);
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(SkillCatalog, RejectsDuplicateName) {
  troupe::skills::skill_catalog catalog;
  auto first = make_skill("dup");
  first.description = "first";
  ASSERT_FALSE(catalog.add(first));
  auto second = make_skill("dup");
  second.description = "second";
  auto err = catalog.add(second);
  ASSERT_TRUE(err);
  EXPECT_TRUE(is_invalid_config(err));
  EXPECT_NE(troupe::message_of(err).find("dup"), std::string::npos);
  // The first registration stays.
  EXPECT_EQ(catalog.size(), 1u);
  EXPECT_EQ(catalog.find("dup")->description, "first");
}

TEST(SkillCatalog, RejectsEmptyName) {
  troupe::skills::skill_catalog catalog;
  auto err = catalog.add(make_skill(""));
  ASSERT_TRUE(err);
  EXPECT_TRUE(is_invalid_config(err));
  EXPECT_EQ(catalog.size(), 0u);
}

TEST(SkillCatalog, RejectsBadCharacters) {
  troupe::skills::skill_catalog catalog;
  for (std::string bad :
       {"a b", "x/y", "semi;colon", "caf\xc3\xa9", "tab\t", "quote\""}) {
    auto err = catalog.add(make_skill(bad));
    EXPECT_TRUE(err) << "name '" << bad << "' was accepted";
    EXPECT_TRUE(is_invalid_config(err));
  }
  EXPECT_EQ(catalog.size(), 0u);
}

TEST(SkillCatalog, RejectsMissingFunction) {
  troupe::skills::skill_catalog catalog;
  troupe::skills::skill_definition def;
  def.name = "nofn";
  auto err = catalog.add(def);
  ASSERT_TRUE(err);
  EXPECT_TRUE(is_invalid_config(err));
  EXPECT_NE(troupe::message_of(err).find("nofn"), std::string::npos);
  EXPECT_EQ(catalog.find("nofn"), nullptr);
}

TEST(SkillCatalog, ZeroMaxAttemptsMeansOne) {
  troupe::skills::skill_catalog catalog;
  auto def = make_skill("once");
  def.max_attempts = 0;
  ASSERT_FALSE(catalog.add(def));
  EXPECT_EQ(catalog.find("once")->max_attempts, 1u);
}

TEST(SkillCatalog, AllIsSortedByName) {
  troupe::skills::skill_catalog catalog;
  for (auto n : {"zeta", "alpha", "mid", "Beta"})
    ASSERT_FALSE(catalog.add(make_skill(n)));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"Beta", "alpha", "mid", "zeta"}));
}

} // namespace
