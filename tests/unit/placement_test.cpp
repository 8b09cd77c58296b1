#include "cluster/placement.hpp"

#include <gtest/gtest.h>

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

TEST(Placement, RecentSendsSpreadABurst) {
  std::vector<member> ms{node("a", {}), node("b", {{"gpu", 2, 0, 0}}),
                         node("c", {{"gpu", 2, 0, 0}})};
  troupe::cluster::placement::recent_sends recent;
  std::map<std::string, int> chosen;
  for (int i = 0; i < 10; ++i) {
    auto m = troupe::cluster::placement::choose(ms, "a", "gpu", {}, recent);
    ASSERT_TRUE(m);
    ++recent[*m];
    ++chosen[*m];
  }
  EXPECT_EQ(chosen["b"], 5);
  EXPECT_EQ(chosen["c"], 5);
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
