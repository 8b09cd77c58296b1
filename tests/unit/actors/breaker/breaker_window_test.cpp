// The sliding windows of a circuit breaker: the last N calls, or the calls
// of the last N seconds (moving a tenth of its length at a time).
#include "actors/breaker/breaker_window.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using troupe::breaker::breaker_window;
using troupe::skills::breaker_policy;
using troupe::skills::breaker_window_kind;
using time_point = troupe::breaker::breaker_window::time_point;

const time_point t0 = time_point{} + 1h;

troupe::breaker::breaker_window count_window(uint32_t calls) {
  troupe::skills::breaker_policy p;
  p.window = troupe::skills::breaker_window_kind::count;
  p.window_calls = calls;
  return troupe::breaker::breaker_window{p};
}

troupe::breaker::breaker_window time_window(caf::timespan length) {
  troupe::skills::breaker_policy p;
  p.window = troupe::skills::breaker_window_kind::time;
  p.window_duration = length;
  return troupe::breaker::breaker_window{p};
}

TEST(BreakerWindow, CountWindowKeepsTheLastNCalls) {
  auto w = count_window(4);
  EXPECT_EQ(w.sum(t0).calls, 0u);
  w.record(t0, true, false);
  w.record(t0, true, true);
  auto s = w.sum(t0);
  EXPECT_EQ(s.calls, 2u);
  EXPECT_EQ(s.failures, 2u);
  EXPECT_EQ(s.slow, 1u);
  w.record(t0, false, false);
  w.record(t0, false, false);
  EXPECT_EQ(w.sum(t0).failures, 2u);
  // Each new call pushes the oldest out: both early failures leave.
  w.record(t0, false, false);
  s = w.sum(t0);
  EXPECT_EQ(s.calls, 4u);
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.slow, 1u);
  w.record(t0, false, false);
  s = w.sum(t0);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.slow, 0u);
  EXPECT_DOUBLE_EQ(s.failure_rate(), 0.0);
}

TEST(BreakerWindow, CountWindowIgnoresTime) {
  auto w = count_window(10);
  w.record(t0, true, false);
  EXPECT_EQ(w.sum(t0 + 24h).failures, 1u);
}

TEST(BreakerWindow, RatesArePercentages) {
  auto w = count_window(100);
  for (int i = 0; i < 8; ++i)
    w.record(t0, i < 6, i < 2);
  auto s = w.sum(t0);
  EXPECT_DOUBLE_EQ(s.failure_rate(), 75.0);
  EXPECT_DOUBLE_EQ(s.slow_call_rate(), 25.0);
  EXPECT_DOUBLE_EQ(troupe::breaker::breaker_window::totals{}.failure_rate(),
                   0.0);
}

TEST(BreakerWindow, TimeWindowForgetsCallsOlderThanItsLength) {
  auto w = time_window(10s);
  w.record(t0, true, false);
  w.record(t0 + 4s, true, true);
  w.record(t0 + 6s, false, false);
  auto s = w.sum(t0 + 6s);
  EXPECT_EQ(s.calls, 3u);
  EXPECT_EQ(s.failures, 2u);
  // At t0 + 10s the first call is ten seconds old: out.
  s = w.sum(t0 + 10s);
  EXPECT_EQ(s.calls, 2u);
  EXPECT_EQ(s.failures, 1u);
  s = w.sum(t0 + 14s);
  EXPECT_EQ(s.calls, 1u);
  EXPECT_EQ(s.slow, 0u);
  EXPECT_EQ(w.sum(t0 + 16s).calls, 0u);
}

TEST(BreakerWindow, TimeWindowMovesATenthOfItsLengthAtATime) {
  auto w = time_window(10s);
  // Buckets are one second wide here; a call at 0.5 s shares the bucket of
  // [0 s, 1 s) and leaves with it at 10 s, not at 10.5 s.
  auto start = t0 + 500ms;
  w.record(start, true, false);
  EXPECT_EQ(w.sum(t0 + 9s + 999ms).calls, 1u);
  EXPECT_EQ(w.sum(t0 + 10s).calls, 0u);
}

TEST(BreakerWindow, TimeWindowReusesBucketsAfterAQuietSpell) {
  auto w = time_window(1s);
  w.record(t0, true, false);
  // Long after, the same bucket slot holds a new slice of time.
  w.record(t0 + 1h, false, false);
  auto s = w.sum(t0 + 1h);
  EXPECT_EQ(s.calls, 1u);
  EXPECT_EQ(s.failures, 0u);
}

TEST(BreakerWindow, ClearForgetsEverything) {
  auto c = count_window(3);
  auto t = time_window(10s);
  for (int i = 0; i < 5; ++i) {
    c.record(t0, true, true);
    t.record(t0, true, true);
  }
  c.clear();
  t.clear();
  EXPECT_EQ(c.sum(t0).calls, 0u);
  EXPECT_EQ(t.sum(t0).calls, 0u);
  // And fills again from empty.
  c.record(t0, true, false);
  EXPECT_EQ(c.sum(t0).calls, 1u);
  EXPECT_EQ(c.sum(t0).failures, 1u);
}

} // namespace
