#include "actors/base/load_board.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace {

using troupe::base::load_board;
using troupe::base::load_share;

TEST(LoadBoard, OneCounterPerKey) {
  load_board board;
  auto a = board.counter_for("sleep");
  auto b = board.counter_for("sleep");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, board.counter_for("echo"));
  EXPECT_EQ(a->load(), 0);
}

TEST(LoadBoard, MemberKeysNeverCollide) {
  EXPECT_NE(load_board::member_key("ab", "c"),
            load_board::member_key("a", "bc"));
  EXPECT_EQ(load_board::member_key("a", "b"), load_board::member_key("a", "b"));
}

TEST(LoadShare, CountsWhatItHoldsAndGivesItBackWhenItEnds) {
  load_board board;
  auto c = board.counter_for("sleep");
  {
    load_share share{c};
    share.add();
    share.add();
    share.add();
    share.remove();
    EXPECT_EQ(c->load(), 2);
    EXPECT_EQ(share.held(), 2);
    // A second holder of the same skill (a pool's successor) counts apart.
    load_share other{c};
    other.add();
    EXPECT_EQ(c->load(), 3);
  }
  // Both ended (as a crashed actor's state does): nothing stays counted.
  EXPECT_EQ(c->load(), 0);
}

TEST(LoadShare, RemovesNoMoreThanItAdded) {
  load_board board;
  auto c = board.counter_for("sleep");
  load_share other{c};
  other.add();
  load_share share{c};
  share.remove();
  EXPECT_EQ(c->load(), 1);
}

TEST(LoadShare, AMovedShareKeepsItsCount) {
  load_board board;
  auto c = board.counter_for("sleep");
  load_share a{c};
  a.add();
  load_share b{std::move(a)};
  EXPECT_EQ(c->load(), 1);
  b.remove();
  EXPECT_EQ(c->load(), 0);
  load_share d;
  d.add(); // without a counter: counts nothing
  EXPECT_EQ(d.held(), 0);
}

} // namespace
