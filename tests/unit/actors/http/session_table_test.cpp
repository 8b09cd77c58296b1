// The dashboard's sessions: random ids, expiry, the cap, logout, and the
// cookie that carries the id.
#include "actors/http/session_table.hpp"

#include <gtest/gtest.h>

#include <set>

using troupe::http::cookie_value;
using troupe::http::session_table;
using namespace std::chrono_literals;

TEST(SessionTable, IdsAreRandomAndMapToTheirToken) {
  session_table t{1h, 100};
  auto now = session_table::clock::now();
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto id = t.open("Bearer t" + std::to_string(i), now);
    EXPECT_EQ(id.size(), 64u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
    EXPECT_EQ(t.find(id, now), "Bearer t" + std::to_string(i));
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_FALSE(t.find("0123", now));
  EXPECT_FALSE(t.find("", now));
}

TEST(SessionTable, SessionsExpireAndCloseAndTheOldestMakesRoom) {
  session_table t{10s, 3};
  auto now = session_table::clock::now();
  auto a = t.open("Bearer a", now);
  EXPECT_TRUE(t.find(a, now + 9s));
  EXPECT_FALSE(t.find(a, now + 10s));
  auto b = t.open("", now + 1s);
  auto c = t.open("Bearer c", now + 2s);
  // At the cap, the oldest session makes room.
  auto d = t.open("Bearer d", now + 3s);
  EXPECT_FALSE(t.find(a, now + 3s));
  EXPECT_EQ(t.find(b, now + 3s), "");
  EXPECT_EQ(t.size(), 3u);
  // Expired ones go first, however many.
  auto e = t.open("Bearer e", now + 12s);
  EXPECT_FALSE(t.find(b, now + 12s));
  EXPECT_FALSE(t.find(c, now + 12s));
  EXPECT_EQ(t.find(d, now + 12s), "Bearer d");
  EXPECT_EQ(t.find(e, now + 12s), "Bearer e");
  EXPECT_EQ(t.size(), 2u);
  t.close(d);
  EXPECT_FALSE(t.find(d, now + 12s));
  EXPECT_EQ(t.size(), 1u);
}

TEST(SessionTable, CookieValuesAreFoundAmongOthers) {
  EXPECT_EQ(cookie_value("troupe_session=abc", "troupe_session"), "abc");
  EXPECT_EQ(cookie_value("a=1; troupe_session=abc; b=2", "troupe_session"),
            "abc");
  EXPECT_EQ(cookie_value("a=1;troupe_session=x ", "troupe_session"), "x");
  EXPECT_EQ(cookie_value("xtroupe_session=abc", "troupe_session"),
            std::nullopt);
  EXPECT_EQ(cookie_value("troupe_sessionx=abc", "troupe_session"),
            std::nullopt);
  EXPECT_EQ(cookie_value("", "troupe_session"), std::nullopt);
  EXPECT_EQ(cookie_value(";;=;", "troupe_session"), std::nullopt);
  EXPECT_EQ(cookie_value("troupe_session=", "troupe_session"), "");
}
