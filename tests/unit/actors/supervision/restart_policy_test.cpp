// The supervisor's decisions as plain logic: restart types, the children a
// strategy restarts, the intensity window and the backoff schedule.
#include "actors/supervision/restart_policy.hpp"

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::supervision::backoff_policy;
using troupe::supervision::backoff_schedule;
using troupe::supervision::child_view;
using troupe::supervision::plan_restart;
using troupe::supervision::restart_intensity;
using troupe::supervision::restart_strategy;
using troupe::supervision::restart_type;
using troupe::supervision::restart_window;
using time_point = troupe::supervision::restart_window::time_point;

std::vector<troupe::supervision::child_view> all_running(size_t n) {
  return std::vector<troupe::supervision::child_view>(
    n, troupe::supervision::child_view{
         true, troupe::supervision::restart_type::permanent});
}

TEST(RestartPolicy, RestartTypesFollowErlang) {
  auto crash = caf::make_error(caf::sec::runtime_error);
  caf::error normal;
  caf::error shutdown = caf::exit_reason::user_shutdown;
  using troupe::supervision::should_restart;
  EXPECT_TRUE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::permanent, crash));
  EXPECT_TRUE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::permanent, normal));
  EXPECT_TRUE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::permanent, shutdown));
  EXPECT_TRUE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::transient, crash));
  EXPECT_FALSE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::transient, normal));
  EXPECT_FALSE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::transient, shutdown));
  EXPECT_FALSE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::temporary, crash));
  EXPECT_FALSE(troupe::supervision::should_restart(
    troupe::supervision::restart_type::temporary, normal));
}

TEST(RestartPolicy, OneForOneTouchesOnlyTheFailedChild) {
  auto children = all_running(3);
  children[1].running = false;
  auto plan = troupe::supervision::plan_restart(
    troupe::supervision::restart_strategy::one_for_one, 1, children);
  EXPECT_TRUE(plan.stop.empty());
  EXPECT_EQ(plan.start, (std::vector<size_t>{1}));
}

TEST(RestartPolicy, OneForAllStopsOthersInReverseAndStartsAllInOrder) {
  auto children = all_running(4);
  children[1].running = false;
  auto plan = troupe::supervision::plan_restart(
    troupe::supervision::restart_strategy::one_for_all, 1, children);
  EXPECT_EQ(plan.stop, (std::vector<size_t>{3, 2, 0}));
  EXPECT_EQ(plan.start, (std::vector<size_t>{0, 1, 2, 3}));
}

TEST(RestartPolicy, RestForOneTakesTheYoungerSiblings) {
  auto children = all_running(4);
  children[1].running = false;
  auto plan = troupe::supervision::plan_restart(
    troupe::supervision::restart_strategy::rest_for_one, 1, children);
  EXPECT_EQ(plan.stop, (std::vector<size_t>{3, 2}));
  EXPECT_EQ(plan.start, (std::vector<size_t>{1, 2, 3}));
  auto last = troupe::supervision::plan_restart(
    troupe::supervision::restart_strategy::rest_for_one, 3, children);
  EXPECT_TRUE(last.stop.empty());
  EXPECT_EQ(last.start, (std::vector<size_t>{3}));
}

TEST(RestartPolicy, TemporaryAndStoppedSiblingsAreNotStartedAgain) {
  auto children = all_running(4);
  children[0].running = false; // the failed one
  children[2].type
    = troupe::supervision::restart_type::temporary; // stopped, then forgotten
  children[3].running = false;                      // ended earlier, stays down
  auto plan = troupe::supervision::plan_restart(
    troupe::supervision::restart_strategy::one_for_all, 0, children);
  EXPECT_EQ(plan.stop, (std::vector<size_t>{2, 1}));
  EXPECT_EQ(plan.start, (std::vector<size_t>{0, 1}));
}

TEST(RestartPolicy, StrategyNamesRoundTrip) {
  for (auto s : {troupe::supervision::restart_strategy::one_for_one,
                 troupe::supervision::restart_strategy::one_for_all,
                 troupe::supervision::restart_strategy::rest_for_one})
    EXPECT_EQ(troupe::supervision::parse_restart_strategy(
                troupe::supervision::to_string(s)),
              s);
  EXPECT_FALSE(troupe::supervision::parse_restart_strategy("one_for_some"));
}

TEST(RestartWindow, AllowsMaxRestartsWithinThePeriod) {
  troupe::supervision::restart_window w{
    troupe::supervision::restart_intensity{3, 10s}};
  time_point t0{};
  EXPECT_TRUE(w.record(t0));
  EXPECT_TRUE(w.record(t0 + 1s));
  EXPECT_TRUE(w.record(t0 + 2s));
  EXPECT_EQ(w.recent(t0 + 2s), 3u);
  EXPECT_FALSE(w.record(t0 + 3s));
}

TEST(RestartWindow, OldRestartsExpire) {
  troupe::supervision::restart_window w{
    troupe::supervision::restart_intensity{2, 10s}};
  time_point t0{};
  EXPECT_TRUE(w.record(t0));
  EXPECT_TRUE(w.record(t0 + 5s));
  // The first restart left the window: two within 10 s again.
  EXPECT_TRUE(w.record(t0 + 10s));
  EXPECT_EQ(w.recent(t0 + 10s), 2u);
  EXPECT_EQ(w.recent(t0 + 30s), 0u);
}

TEST(RestartWindow, ZeroRestartsMeansGiveUpAtTheFirstFailure) {
  troupe::supervision::restart_window w{
    troupe::supervision::restart_intensity{0, 10s}};
  EXPECT_FALSE(w.record(time_point{}));
}

TEST(Backoff, DisabledMeansRestartAtOnce) {
  troupe::supervision::backoff_schedule b{
    troupe::supervision::backoff_policy{}};
  time_point t0{};
  EXPECT_EQ(b.next(t0, t0, 0.9), caf::timespan{0});
}

TEST(Backoff, GrowsExponentiallyUpToTheMaximum) {
  troupe::supervision::backoff_policy p;
  p.initial = 100ms;
  p.max = 1s;
  p.multiplier = 2.0;
  p.jitter = 0.0;
  p.reset_after = 1h;
  troupe::supervision::backoff_schedule b{p};
  time_point t0{};
  std::vector<caf::timespan> delays;
  for (int i = 0; i < 6; ++i)
    delays.push_back(b.next(t0, t0 + 1s, 0.5));
  EXPECT_EQ(delays,
            (std::vector<caf::timespan>{100ms, 200ms, 400ms, 800ms, 1s, 1s}));
  EXPECT_EQ(b.failures(), 6u);
}

TEST(Backoff, JitterSpreadsTheDelay) {
  troupe::supervision::backoff_policy p;
  p.initial = 100ms;
  p.jitter = 0.2;
  p.reset_after = 1h;
  time_point t0{};
  troupe::supervision::backoff_schedule low{p};
  troupe::supervision::backoff_schedule mid{p};
  troupe::supervision::backoff_schedule high{p};
  EXPECT_EQ(low.next(t0, t0, 0.0), caf::timespan{80ms});
  EXPECT_EQ(mid.next(t0, t0, 0.5), caf::timespan{100ms});
  auto top = high.next(t0, t0, 0.999999);
  EXPECT_GT(top, caf::timespan{119ms});
  EXPECT_LT(top, caf::timespan{120ms});
}

TEST(Backoff, ALongRunResetsTheSeries) {
  troupe::supervision::backoff_policy p;
  p.initial = 100ms;
  p.jitter = 0.0;
  p.reset_after = 10s;
  troupe::supervision::backoff_schedule b{p};
  time_point t0{};
  EXPECT_EQ(b.next(t0, t0 + 1s, 0.5), caf::timespan{100ms});
  EXPECT_EQ(b.next(t0 + 1s, t0 + 2s, 0.5), caf::timespan{200ms});
  // The child then ran for a minute: it counts as healthy again.
  EXPECT_EQ(b.next(t0 + 2s, t0 + 62s, 0.5), caf::timespan{100ms});
  EXPECT_EQ(b.failures(), 1u);
}

} // namespace
