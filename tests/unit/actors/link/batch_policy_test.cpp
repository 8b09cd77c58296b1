// The batcher's flush decisions, without actors.
#include "actors/link/batch_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using troupe::link::batch_limits;
using troupe::link::batch_policy;
using time_point = troupe::link::batch_policy::time_point;

troupe::link::batch_limits limits(size_t count = 64, size_t bytes = 100'000,
                                  caf::timespan linger = 2ms) {
  troupe::link::batch_limits out;
  out.max_count = count;
  out.max_bytes = bytes;
  out.max_linger = linger;
  out.max_in_flight = 100'000;
  out.max_buffered = 50;
  return out;
}

// Sends one item per flush every `gap`, keeping items in flight, as a
// steady trickle does when nothing waits for company.
time_point trickle(troupe::link::batch_policy& p, time_point now, int flushes,
                   caf::timespan gap) {
  for (int i = 0; i < flushes; ++i) {
    now += gap;
    p.on_arrival(10);
    p.on_flush(1, 10, now);
  }
  return now;
}

TEST(BatchPolicy, FullOnCountOrBytes) {
  troupe::link::batch_policy p{limits(3, 100)};
  p.on_arrival(10);
  p.on_arrival(10);
  EXPECT_FALSE(p.full());
  p.on_arrival(10);
  EXPECT_TRUE(p.full());
  troupe::link::batch_policy q{limits(100, 100)};
  q.on_arrival(60);
  EXPECT_FALSE(q.full());
  q.on_arrival(60);
  EXPECT_TRUE(q.full());
}

TEST(BatchPolicy, LoneItemNeverLingers) {
  troupe::link::batch_policy p{limits()};
  time_point t{std::chrono::seconds(10)};
  p.on_arrival(10);
  EXPECT_EQ(p.linger(t, t), caf::timespan{0});
}

TEST(BatchPolicy, BurstsDoNotLearnToLinger) {
  troupe::link::batch_policy p{limits()};
  time_point t{std::chrono::seconds(10)};
  // A closed loop: 32 items at once, then nothing until they are answered.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 32; ++i)
      p.on_arrival(10);
    t += 300us;
    p.on_flush(32, 320, t);
    p.on_answered(32);
  }
  EXPECT_EQ(p.current_linger(), caf::timespan{0});
}

TEST(BatchPolicy, SteadyTrickleLearnsToLinger) {
  troupe::link::batch_policy p{limits()};
  time_point t{std::chrono::seconds(10)};
  trickle(p, t, 20, 10us);
  // Frequent single-item flushes with items in flight: probe a linger.
  auto probe = p.current_linger();
  ASSERT_GT(probe, caf::timespan{0});
  EXPECT_LE(probe, caf::timespan{20us});
  // The probe pays (items arrive while the batch waits): linger grows.
  p.on_arrival(10);
  p.on_linger_start();
  p.on_arrival(10);
  p.on_arrival(10);
  p.on_flush(3, 30, t + 1ms);
  EXPECT_EQ(p.current_linger(), probe * 2);
  // It never exceeds max_linger.
  for (int i = 0; i < 30; ++i) {
    p.on_arrival(10);
    p.on_linger_start();
    p.on_arrival(10);
    p.on_flush(2, 20, t + 2ms + i * 1ms);
  }
  EXPECT_EQ(p.current_linger(), caf::timespan{2ms});
}

TEST(BatchPolicy, LingerIsBoundedByAQuarterOfTheRoundTrip) {
  troupe::link::batch_policy p{limits(64, 100'000, 10ms)};
  time_point t{std::chrono::seconds(10)};
  p.on_round_trip(400us);
  t = trickle(p, t, 20, 10us);
  for (int i = 0; i < 30; ++i) {
    p.on_arrival(10);
    p.on_linger_start();
    p.on_arrival(10);
    p.on_flush(2, 20, t + i * 1ms);
  }
  EXPECT_EQ(p.current_linger(), caf::timespan{100us});
}

TEST(BatchPolicy, LingerThatDoesNotPayBacksOff) {
  troupe::link::batch_policy p{limits()};
  time_point t{std::chrono::seconds(10)};
  t = trickle(p, t, 20, 10us);
  ASSERT_GT(p.current_linger(), caf::timespan{0});
  // Waited, but nothing came: back off to zero.
  p.on_arrival(10);
  p.on_linger_start();
  p.on_flush(1, 10, t + 50us);
  EXPECT_EQ(p.current_linger(), caf::timespan{0});
  // And do not probe again right away.
  trickle(p, t + 60us, 5, 10us);
  EXPECT_EQ(p.current_linger(), caf::timespan{0});
}

TEST(BatchPolicy, NothingLingersWhileTheDestinationIsIdle) {
  troupe::link::batch_policy p{limits()};
  time_point t{std::chrono::seconds(10)};
  t = trickle(p, t, 20, 10us);
  ASSERT_GT(p.current_linger(), caf::timespan{0});
  p.on_answered(p.in_flight());
  p.on_arrival(10);
  EXPECT_EQ(p.linger(t, t), caf::timespan{0});
}

TEST(BatchPolicy, LingerCountsFromTheOldestItem) {
  troupe::link::batch_policy p{limits()};
  time_point t{std::chrono::seconds(10)};
  t = trickle(p, t, 20, 10us);
  auto cur = p.current_linger();
  ASSERT_GT(cur, caf::timespan{0});
  p.on_arrival(10);
  EXPECT_EQ(p.linger(t, t), cur);
  EXPECT_EQ(p.linger(t, t + cur), caf::timespan{0});
}

TEST(BatchPolicy, SlowDestinationBoundsTheBuffer) {
  auto l = limits();
  l.max_in_flight = 4;
  l.max_buffered = 6;
  troupe::link::batch_policy p{l};
  time_point t{};
  for (int i = 0; i < 4; ++i)
    p.on_arrival(1);
  p.on_flush(4, 4, t);
  EXPECT_FALSE(p.can_send());
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(p.admit());
    p.on_arrival(1);
  }
  EXPECT_FALSE(p.admit());
  p.on_answered(2);
  EXPECT_TRUE(p.can_send());
}

} // namespace
