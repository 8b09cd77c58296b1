#include "cluster/local_load.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace {

using troupe::skill_load;
using troupe::base::load_board;
using troupe::cluster::local_load;

skill_load skill(std::string name, uint32_t workers) {
  skill_load s;
  s.name = std::move(name);
  s.workers = workers;
  s.idempotent = true;
  s.version = "2";
  return s;
}

TEST(LocalLoad, ReadsWhatThePoolsCountWithoutAskingThem) {
  auto board = std::make_shared<load_board>();
  local_load load{{skill("echo", 4), skill("sleep", 2)}, board, nullptr};
  auto now = local_load::clock::now();
  auto idle = load.sample(now);
  ASSERT_EQ(idle.size(), 2u);
  EXPECT_EQ(idle[0].busy, 0u);
  EXPECT_EQ(idle[0].queued, 0u);
  // Five jobs of a two-worker skill: two run, three wait.
  board->counter_for("sleep")->fetch_add(5);
  board->counter_for("echo")->fetch_add(3);
  auto busy = load.sample(now + std::chrono::milliseconds(250));
  EXPECT_EQ(busy[0].name, "echo");
  EXPECT_EQ(busy[0].busy, 3u);
  EXPECT_EQ(busy[0].queued, 0u);
  EXPECT_EQ(busy[1].name, "sleep");
  EXPECT_EQ(busy[1].busy, 2u);
  EXPECT_EQ(busy[1].queued, 3u);
  // What the node was told stays as it was.
  EXPECT_EQ(busy[1].workers, 2u);
  EXPECT_TRUE(busy[1].idempotent);
  EXPECT_EQ(busy[1].version, "2");
}

TEST(LocalLoad, ACountCaughtBelowZeroIsIdle) {
  auto board = std::make_shared<load_board>();
  local_load load{{skill("echo", 4)}, board, nullptr};
  board->counter_for("echo")->fetch_sub(1);
  auto x = load.sample(local_load::clock::now());
  EXPECT_EQ(x[0].busy, 0u);
  EXPECT_EQ(x[0].queued, 0u);
}

TEST(LocalLoad, WithoutABoardOrMetricsItStillNamesTheSkills) {
  local_load load{{skill("echo", 4)}, nullptr, nullptr};
  auto x = load.sample(local_load::clock::now());
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].name, "echo");
  EXPECT_EQ(x[0].busy, 0u);
  EXPECT_EQ(load.jobs_per_second(), 0.0);
}

} // namespace
