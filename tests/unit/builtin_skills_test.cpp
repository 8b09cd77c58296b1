#include "actors/builtin_skills.hpp"
#include "actors/sha256.hpp"
#include "actors/skill.hpp"
#include "messages/errors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using troupe::job_status;
using troupe::skill_catalog;
using troupe::skill_definition;
using troupe::skill_output;

std::vector<std::string> names(const skill_catalog& catalog) {
  std::vector<std::string> out;
  for (auto& s : catalog.all())
    out.push_back(s->name);
  return out;
}

class BuiltinSkills : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(troupe::add_builtin_skills(catalog));
    ASSERT_FALSE(troupe::add_test_skills(catalog));
  }

  skill_output run(const std::string& skill, const std::string& input) {
    auto def = catalog.find(skill);
    if (!def) {
      ADD_FAILURE() << "no skill " << skill;
      return {};
    }
    return def->fn(input);
  }

  skill_catalog catalog;
};

TEST(BuiltinSkillCatalog, WithoutTestSkills) {
  skill_catalog catalog;
  ASSERT_FALSE(troupe::add_builtin_skills(catalog));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"echo", "sha256", "sleep", "wordcount"}));
  EXPECT_EQ(catalog.size(), 4u);
  EXPECT_EQ(catalog.find("crash"), nullptr);
}

TEST(BuiltinSkillCatalog, WithTestSkills) {
  skill_catalog catalog;
  ASSERT_FALSE(troupe::add_builtin_skills(catalog));
  ASSERT_FALSE(troupe::add_test_skills(catalog));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"crash", "echo", "fail", "flaky",
                                      "sha256", "sleep", "slow", "wordcount"}));
}

TEST(BuiltinSkillCatalog, TestSkillsAlone) {
  skill_catalog catalog;
  ASSERT_FALSE(troupe::add_test_skills(catalog));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"crash", "fail", "flaky", "slow"}));
}

TEST(BuiltinSkillCatalog, AddingBuiltinsTwiceFails) {
  skill_catalog catalog;
  ASSERT_FALSE(troupe::add_builtin_skills(catalog));
  EXPECT_TRUE(troupe::add_builtin_skills(catalog));
}

TEST_F(BuiltinSkills, Properties) {
  // Skills that never block run on the scheduler; sleeping ones must not.
  EXPECT_EQ(catalog.find("echo")->mode, troupe::skill_mode::in_pool);
  EXPECT_EQ(catalog.find("fail")->mode, troupe::skill_mode::in_pool);
  EXPECT_EQ(catalog.find("flaky")->mode, troupe::skill_mode::in_pool);
  EXPECT_EQ(catalog.find("sleep")->mode, troupe::skill_mode::blocking);
  EXPECT_EQ(catalog.find("slow")->mode, troupe::skill_mode::blocking);
  // A crash must not be retried: running it again would crash again.
  EXPECT_FALSE(catalog.find("crash")->idempotent);
  EXPECT_EQ(catalog.find("crash")->max_attempts, 1u);
  EXPECT_EQ(catalog.find("fail")->max_attempts, 1u);
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
  EXPECT_EQ(run("sha256", "").data, troupe::sha256::hex_digest(""));
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

TEST_F(BuiltinSkills, CrashThrowsWorkerCrash) {
  auto def = catalog.find("crash");
  ASSERT_NE(def, nullptr);
  EXPECT_THROW(def->fn("anything"), troupe::worker_crash);
}

// -- skill_catalog ------------------------------------------------------------

skill_definition make_skill(std::string name) {
  skill_definition def;
  def.name = std::move(name);
  def.fn = [](const std::string& in) {
    return skill_output::success(in);
  };
  return def;
}

bool is_invalid_config(const caf::error& err) {
  return err.category() == caf::atom("troupe")
         && err.code()
              == static_cast<uint8_t>(troupe::error_code::invalid_config);
}

TEST(SkillCatalog, AddAndFind) {
  skill_catalog catalog;
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
  skill_catalog catalog;
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
  skill_catalog catalog;
  auto err = catalog.add(make_skill(""));
  ASSERT_TRUE(err);
  EXPECT_TRUE(is_invalid_config(err));
  EXPECT_EQ(catalog.size(), 0u);
}

TEST(SkillCatalog, RejectsBadCharacters) {
  skill_catalog catalog;
  for (std::string bad :
       {"a b", "x/y", "semi;colon", "caf\xc3\xa9", "tab\t", "quote\""}) {
    auto err = catalog.add(make_skill(bad));
    EXPECT_TRUE(err) << "name '" << bad << "' was accepted";
    EXPECT_TRUE(is_invalid_config(err));
  }
  EXPECT_EQ(catalog.size(), 0u);
}

TEST(SkillCatalog, RejectsMissingFunction) {
  skill_catalog catalog;
  skill_definition def;
  def.name = "nofn";
  auto err = catalog.add(def);
  ASSERT_TRUE(err);
  EXPECT_TRUE(is_invalid_config(err));
  EXPECT_NE(troupe::message_of(err).find("nofn"), std::string::npos);
  EXPECT_EQ(catalog.find("nofn"), nullptr);
}

TEST(SkillCatalog, ZeroMaxAttemptsMeansOne) {
  skill_catalog catalog;
  auto def = make_skill("once");
  def.max_attempts = 0;
  ASSERT_FALSE(catalog.add(def));
  EXPECT_EQ(catalog.find("once")->max_attempts, 1u);
}

TEST(SkillCatalog, AllIsSortedByName) {
  skill_catalog catalog;
  for (auto n : {"zeta", "alpha", "mid", "Beta"})
    ASSERT_FALSE(catalog.add(make_skill(n)));
  EXPECT_EQ(names(catalog),
            (std::vector<std::string>{"Beta", "alpha", "mid", "zeta"}));
}

} // namespace
