#include "actors/door/role.hpp"

#include <gtest/gtest.h>

using namespace troupe::door;

TEST(Role, NamesRoundTrip) {
  for (auto r : {role::submit, role::operate, role::admin})
    EXPECT_EQ(parse_role(to_string(r)), r);
  EXPECT_EQ(to_string(role::operate), "operate");
}

TEST(Role, ParseRefusesOtherSpellings) {
  EXPECT_FALSE(parse_role(""));
  EXPECT_FALSE(parse_role("Admin"));
  EXPECT_FALSE(parse_role("admin "));
  EXPECT_FALSE(parse_role("root"));
}

TEST(Role, EachRoleIncludesTheOnesBelow) {
  EXPECT_TRUE(at_least(role::submit, role::submit));
  EXPECT_FALSE(at_least(role::submit, role::operate));
  EXPECT_FALSE(at_least(role::submit, role::admin));
  EXPECT_TRUE(at_least(role::operate, role::submit));
  EXPECT_TRUE(at_least(role::operate, role::operate));
  EXPECT_FALSE(at_least(role::operate, role::admin));
  EXPECT_TRUE(at_least(role::admin, role::submit));
  EXPECT_TRUE(at_least(role::admin, role::operate));
  EXPECT_TRUE(at_least(role::admin, role::admin));
  static_assert(at_least(role::admin, role::operate));
}
