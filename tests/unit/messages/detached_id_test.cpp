#include "messages/detached.hpp"

#include <gtest/gtest.h>

using namespace troupe;

TEST(DetachedId, RoundTrips) {
  detached_id x{42, 1765000000123, "alpha@rack-1:4710"};
  auto text = x.to_string();
  EXPECT_EQ(text, "42-1765000000123@alpha@rack-1:4710");
  auto y = detached_id::parse(text);
  ASSERT_TRUE(y);
  EXPECT_EQ(y->number, 42u);
  EXPECT_EQ(y->incarnation, 1765000000123u);
  EXPECT_EQ(y->holder, "alpha@rack-1:4710");
}

TEST(DetachedId, RefusesWhatIsNotAnId) {
  for (const char* bad :
       {"", "@", "1@x", "-1@x", "1-@x", "1-2@", "0-2@x", "a-2@x", "1-b@x",
        "1-2-3@x", "99999999999999999999-1@x", " 1-2@x", "1-2 @x"})
    EXPECT_FALSE(detached_id::parse(bad)) << bad;
}
