#include "cluster/placement.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace {

using troupe::member;
using troupe::member_status;
using troupe::skill_load;
using troupe::cluster::placement;

member node(std::string name, std::vector<skill_load> skills,
            member_status status = member_status::up) {
  member m;
  m.name = std::move(name);
  m.status = status;
  m.skills = std::move(skills);
  return m;
}

TEST(Placement, PrefersTheLocalNodeWhenItIsNotBusier) {
  std::vector<member> ms{node("a", {{"echo", 4, 1, 0}}),
                         node("b", {{"echo", 4, 1, 0}})};
  EXPECT_EQ(troupe::cluster::placement::choose(ms, "a", "echo"), "a");
  EXPECT_EQ(troupe::cluster::placement::choose(ms, "b", "echo"), "b");
}

TEST(Placement, SendsWorkAwayFromABusierLocalNode) {
  std::vector<member> ms{node("a", {{"echo", 4, 4, 10}}),
                         node("b", {{"echo", 4, 1, 0}}),
                         node("c", {{"echo", 4, 3, 0}})};
  EXPECT_EQ(troupe::cluster::placement::choose(ms, "a", "echo"), "b");
}

TEST(Placement, RunsWhereTheSkillLives) {
  std::vector<member> ms{node("a", {{"echo", 4, 0, 0}}),
                         node("c", {{"gpu", 1, 0, 0}})};
  EXPECT_EQ(troupe::cluster::placement::choose(ms, "a", "gpu"), "c");
  EXPECT_FALSE(troupe::cluster::placement::choose(ms, "a", "nope"));
}

TEST(Placement, SkipsMembersThatAreNotUpOrExcluded) {
  std::vector<member> ms{node("a", {}),
                         node("b", {{"gpu", 1, 0, 0}}, member_status::down),
                         node("c", {{"gpu", 1, 0, 0}}, member_status::leaving),
                         node("d", {{"gpu", 8, 8, 8}})};
  EXPECT_EQ(troupe::cluster::placement::choose(ms, "a", "gpu"), "d");
  EXPECT_FALSE(troupe::cluster::placement::choose(ms, "a", "gpu", {"d"}));
}

TEST(Placement, FreshCountsSpreadABurstOverEveryMember) {
  // The heartbeats say everyone is idle; the fresh counts say otherwise as
  // soon as jobs go out, the local node's included.
  std::vector<member> ms{node("a", {{"gpu", 2, 0, 0}}),
                         node("b", {{"gpu", 2, 0, 0}}),
                         node("c", {{"gpu", 2, 0, 0}})};
  std::map<std::string, int64_t> in_flight;
  auto fresh = [&](const std::string& m) -> std::optional<int64_t> {
    return in_flight[m];
  };
  for (int i = 0; i < 12; ++i) {
    auto m = placement::choose(ms, "a", "gpu", {}, fresh);
    ASSERT_TRUE(m);
    ++in_flight[*m];
  }
  EXPECT_EQ(in_flight["a"], 4);
  EXPECT_EQ(in_flight["b"], 4);
  EXPECT_EQ(in_flight["c"], 4);
  // Answers come back from b: b takes the next jobs.
  in_flight["b"] = 1;
  EXPECT_EQ(placement::choose(ms, "a", "gpu", {}, fresh), "b");
}

TEST(Placement, TheCallersCountsReplaceStaleHeartbeats) {
  // a's last heartbeat was taken during a burst that has since ended, and
  // b is busy with other nodes' jobs its heartbeat does not show yet.
  std::vector<member> ms{node("a", {{"gpu", 2, 2, 8}}),
                         node("b", {{"gpu", 2, 0, 0}})};
  EXPECT_EQ(placement::choose(ms, "a", "gpu"), "b");
  std::map<std::string, int64_t> in_flight{{"a", 1}, {"b", 3}};
  auto known = [&](const std::string& m) -> std::optional<int64_t> {
    return in_flight[m];
  };
  EXPECT_EQ(placement::choose(ms, "a", "gpu", {}, known), "a");
  // Without figures for a member, its heartbeat counts.
  auto only_b = [](const std::string& m) -> std::optional<int64_t> {
    if (m == "b")
      return 0;
    return std::nullopt;
  };
  EXPECT_EQ(placement::choose(ms, "a", "gpu", {}, only_b), "b");
}

TEST(Placement, NamesWhereSkillsLive) {
  std::vector<member> ms{node("a", {{"echo", 1, 0, 0}, {"sha256", 1, 0, 0}}),
                         node("b", {{"echo", 1, 0, 0}}),
                         node("c", {{"gpu", 1, 0, 0}}, member_status::down)};
  EXPECT_EQ(troupe::cluster::placement::where_skills_live(ms),
            "echo (a, b), sha256 (a)");
  EXPECT_EQ(troupe::cluster::placement::where_skills_live({}), "no skills");
}

} // namespace
