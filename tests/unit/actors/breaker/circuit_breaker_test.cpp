// The breaker's state machine with a clock the test moves: every
// transition, both windows, both thresholds, minimum calls, half-open
// trials, the timed move to half-open, the growing open wait, operators.
#include "actors/breaker/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::circuit_state;
using troupe::job_status;
using troupe::breaker::circuit_breaker;
using troupe::skills::breaker_policy;
using troupe::skills::breaker_window_kind;
using time_point = troupe::breaker::circuit_breaker::time_point;

const time_point t0 = time_point{} + 1h;

troupe::skills::breaker_policy small_policy() {
  troupe::skills::breaker_policy p;
  p.enabled = true;
  p.window_calls = 10;
  p.minimum_calls = 4;
  p.failure_rate = 50;
  p.slow_call_rate = 100;
  p.slow_call_duration = 1s;
  p.open_wait = 5s;
  p.half_open_calls = 2;
  return p;
}

class CircuitBreaker : public ::testing::Test {
 public:
  explicit CircuitBreaker(troupe::skills::breaker_policy p = small_policy())
      : cb(std::move(p), t0) {
    cb.on_transition([this](circuit_state from, circuit_state to) {
      transitions.emplace_back(from, to);
    });
  }

  /// Lets one call through at `now` and records its outcome at once.
  bool call(job_status st, caf::timespan took = 10ms) {
    troupe::breaker::circuit_breaker::ticket t;
    if (!cb.try_acquire(now, t))
      return false;
    cb.record(now, t, st, took);
    return true;
  }

  void calls(int n, job_status st, caf::timespan took = 10ms) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(call(st, took)) << "call " << i << " was rejected";
  }

  time_point now = t0;
  troupe::breaker::circuit_breaker cb;
  std::vector<std::pair<circuit_state, circuit_state>> transitions;
};

using transition = std::pair<circuit_state, circuit_state>;

TEST_F(CircuitBreaker, StartsClosedAndLetsCallsThrough) {
  EXPECT_EQ(cb.state(), circuit_state::closed);
  calls(20, job_status::ok);
  EXPECT_EQ(cb.state(), circuit_state::closed);
  EXPECT_EQ(cb.next_transition(), time_point::max());
  EXPECT_TRUE(transitions.empty());
}

TEST_F(CircuitBreaker, TripsOnFailureRateOnlyAfterMinimumCalls) {
  // Three failures out of three: 100 %, but the window needs four calls.
  calls(3, job_status::skill_error);
  EXPECT_EQ(cb.state(), circuit_state::closed);
  calls(1, job_status::ok);
  // Four calls, 75 % failed: trips.
  EXPECT_EQ(cb.state(), circuit_state::open);
  EXPECT_EQ(transitions, (std::vector<transition>{
                           {circuit_state::closed, circuit_state::open}}));
  EXPECT_EQ(cb.trips(), 1u);
}

TEST_F(CircuitBreaker, StaysClosedBelowTheFailureRate) {
  // 40 % failures over a full window of ten.
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(call(i % 5 >= 3 ? job_status::timeout : job_status::ok));
  EXPECT_EQ(cb.state(), circuit_state::closed);
  auto st = cb.status(now);
  EXPECT_EQ(st.calls, 10u);
  EXPECT_DOUBLE_EQ(st.failure_rate, 40.0);
}

TEST_F(CircuitBreaker, ExactlyTheThresholdTrips) {
  calls(2, job_status::ok);
  calls(2, job_status::timeout);
  EXPECT_EQ(cb.state(), circuit_state::open);
}

TEST_F(CircuitBreaker, TripsOnSlowCallRate) {
  auto p = small_policy();
  p.slow_call_rate = 75;
  troupe::breaker::circuit_breaker slow{p, t0};
  troupe::breaker::circuit_breaker::ticket t;
  // Successful but slow calls: 3 of 4 take longer than one second.
  for (caf::timespan took : {caf::timespan{2s}, caf::timespan{2s},
                             caf::timespan{100ms}, caf::timespan{3s}}) {
    ASSERT_TRUE(slow.try_acquire(now, t));
    slow.record(now, t, job_status::ok, took);
  }
  EXPECT_EQ(slow.state(), circuit_state::open);
  EXPECT_NE(slow.rejection(now).find("slow-call rate 75%"), std::string::npos)
    << slow.rejection(now);
}

TEST_F(CircuitBreaker, CallsOfExactlyTheSlowDurationAreNotSlow) {
  calls(10, job_status::ok, 1s);
  EXPECT_EQ(cb.status(now).slow_calls, 0u);
  calls(1, job_status::ok, 1s + 1ns);
  EXPECT_EQ(cb.status(now).slow_calls, 1u);
}

TEST_F(CircuitBreaker, CountWindowForgetsOldFailures) {
  // A minimum of a whole window, so that early failures cannot trip it
  // before successes push them out.
  auto p = small_policy();
  p.minimum_calls = 10;
  troupe::breaker::circuit_breaker c{p, t0};
  troupe::breaker::circuit_breaker::ticket t;
  auto one = [&](job_status st) {
    ASSERT_TRUE(c.try_acquire(now, t));
    c.record(now, t, st, 1ms);
  };
  for (int i = 0; i < 4; ++i)
    one(job_status::skill_error);
  for (int i = 0; i < 10; ++i)
    one(job_status::ok);
  EXPECT_EQ(c.status(now).failures, 0u);
  // Five failures of the last ten now: trips.
  for (int i = 0; i < 5; ++i)
    one(job_status::skill_error);
  EXPECT_EQ(c.state(), circuit_state::open);
}

TEST_F(CircuitBreaker, MinimumCallsIsCappedByACountWindow) {
  auto p = small_policy();
  p.window_calls = 3;
  p.minimum_calls = 50;
  troupe::breaker::circuit_breaker c{p, t0};
  EXPECT_EQ(c.policy().minimum_calls, 3u);
}

TEST_F(CircuitBreaker, TimeWindowTripsOnRecentFailuresOnly) {
  auto p = small_policy();
  p.window = troupe::skills::breaker_window_kind::time;
  p.window_duration = 10s;
  troupe::breaker::circuit_breaker c{p, t0};
  troupe::breaker::circuit_breaker::ticket t;
  auto one = [&](time_point at, job_status st) {
    ASSERT_TRUE(c.try_acquire(at, t));
    c.record(at, t, st, 1ms);
  };
  // Failures spread so thinly that the window never holds four calls.
  for (int i = 0; i < 10; ++i)
    one(t0 + std::chrono::seconds(4 * i), job_status::skill_error);
  EXPECT_EQ(c.state(), circuit_state::closed);
  // Four within ten seconds: trips.
  auto later = t0 + 100s;
  for (int i = 0; i < 4; ++i)
    one(later + std::chrono::seconds(i), job_status::skill_error);
  EXPECT_EQ(c.state(), circuit_state::open);
  EXPECT_EQ(c.status(later + 3s).calls, 4u);
}

TEST_F(CircuitBreaker, OpenRejectsAndSaysWhenTheNextTrialIs) {
  calls(4, job_status::skill_error);
  ASSERT_EQ(cb.state(), circuit_state::open);
  now += 2s;
  EXPECT_FALSE(call(job_status::ok));
  EXPECT_EQ(cb.until_half_open(now), caf::timespan{3s});
  auto why = cb.rejection(now);
  EXPECT_NE(why.find("failure rate 100%"), std::string::npos) << why;
  EXPECT_NE(why.find("last 4 calls"), std::string::npos) << why;
  EXPECT_NE(why.find("next trial in 3.0 s"), std::string::npos) << why;
  EXPECT_EQ(cb.status(now).until_half_open, caf::timespan{3s});
}

TEST_F(CircuitBreaker, MovesToHalfOpenByItselfAfterTheWait) {
  calls(4, job_status::skill_error);
  EXPECT_EQ(cb.next_transition(), t0 + 5s);
  cb.advance(t0 + 4s);
  EXPECT_EQ(cb.state(), circuit_state::open);
  // No call needed: the timer's advance moves it.
  cb.advance(t0 + 5s);
  EXPECT_EQ(cb.state(), circuit_state::half_open);
  EXPECT_EQ(cb.next_transition(), time_point::max());
  EXPECT_EQ(transitions.back(),
            transition(circuit_state::open, circuit_state::half_open));
}

TEST_F(CircuitBreaker, ACallAfterTheWaitFindsItHalfOpenToo) {
  calls(4, job_status::skill_error);
  now = t0 + 6s;
  troupe::breaker::circuit_breaker::ticket t;
  ASSERT_TRUE(cb.try_acquire(now, t));
  EXPECT_TRUE(t.trial);
  EXPECT_EQ(cb.state(), circuit_state::half_open);
}

TEST_F(CircuitBreaker, HalfOpenLetsOnlyItsTrialCallsThrough) {
  calls(4, job_status::skill_error);
  now = t0 + 5s;
  cb.advance(now);
  troupe::breaker::circuit_breaker::ticket a, b, c;
  ASSERT_TRUE(cb.try_acquire(now, a));
  ASSERT_TRUE(cb.try_acquire(now, b));
  EXPECT_FALSE(cb.try_acquire(now, c));
  EXPECT_EQ(cb.status(now).trial_calls, 2u);
  EXPECT_NE(cb.rejection(now).find("half-open"), std::string::npos);
  // One trial ended well; the other still runs: no verdict yet.
  cb.record(now, a, job_status::ok, 1ms);
  EXPECT_EQ(cb.state(), circuit_state::half_open);
  EXPECT_FALSE(cb.try_acquire(now, c));
}

TEST_F(CircuitBreaker, HalfOpenClosesWhenTheTrialsSucceed) {
  calls(4, job_status::skill_error);
  now = t0 + 5s;
  calls(2, job_status::ok);
  EXPECT_EQ(cb.state(), circuit_state::closed);
  // With an empty window: the failures that tripped it are gone.
  EXPECT_EQ(cb.status(now).calls, 0u);
  EXPECT_EQ(transitions.back(),
            transition(circuit_state::half_open, circuit_state::closed));
  calls(3, job_status::skill_error);
  EXPECT_EQ(cb.state(), circuit_state::closed);
}

TEST_F(CircuitBreaker, HalfOpenOpensAgainWhenTheTrialsFail) {
  calls(4, job_status::skill_error);
  now = t0 + 5s;
  ASSERT_TRUE(call(job_status::ok));
  ASSERT_TRUE(call(job_status::timeout));
  // One of two trials failed: 50 % reaches the threshold.
  EXPECT_EQ(cb.state(), circuit_state::open);
  EXPECT_EQ(transitions.back(),
            transition(circuit_state::half_open, circuit_state::open));
  EXPECT_NE(cb.rejection(now).find("of its trial calls"), std::string::npos)
    << cb.rejection(now);
  EXPECT_EQ(cb.trips(), 2u);
}

TEST_F(CircuitBreaker, OpenWaitStaysTheSameWithoutAMultiplier) {
  calls(4, job_status::skill_error);
  now = t0 + 5s;
  calls(2, job_status::skill_error);
  EXPECT_EQ(cb.next_transition(), now + 5s);
}

TEST_F(CircuitBreaker, OpenWaitGrowsExponentiallyOnRepeatedTrips) {
  auto p = small_policy();
  p.open_wait_multiplier = 2;
  p.open_wait_max = 30s;
  troupe::breaker::circuit_breaker c{p, t0};
  troupe::breaker::circuit_breaker::ticket t;
  auto fail_at = [&](time_point at, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(c.try_acquire(at, t));
      c.record(at, t, job_status::skill_error, 1ms);
    }
  };
  auto at = t0;
  fail_at(at, 4);
  std::vector<caf::timespan> waits;
  for (int trip = 0; trip < 5; ++trip) {
    waits.push_back(c.next_transition() - at);
    at = c.next_transition();
    c.advance(at);
    ASSERT_EQ(c.state(), circuit_state::half_open);
    fail_at(at, 2);
  }
  EXPECT_EQ(waits, (std::vector<caf::timespan>{5s, 10s, 20s, 30s, 30s}));
  // A successful half-open test resets the growth.
  at = c.next_transition();
  c.advance(at);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.try_acquire(at, t));
    c.record(at, t, job_status::ok, 1ms);
  }
  ASSERT_EQ(c.state(), circuit_state::closed);
  fail_at(at, 4);
  EXPECT_EQ(c.next_transition() - at, caf::timespan{5s});
}

TEST_F(CircuitBreaker, StatusesThatSayNothingAboutHealthAreNotCounted) {
  for (auto st :
       {job_status::bad_input, job_status::cancelled, job_status::unknown_skill,
        job_status::overloaded, job_status::node_lost})
    calls(10, st);
  EXPECT_EQ(cb.state(), circuit_state::closed);
  EXPECT_EQ(cb.status(now).calls, 0u);
}

TEST_F(CircuitBreaker, NeverStatusesStayUncountedEvenIfConfigured) {
  auto p = small_policy();
  p.failure_statuses = {job_status::bad_input, job_status::cancelled,
                        job_status::unknown_skill, job_status::overloaded};
  troupe::breaker::circuit_breaker c{p, t0};
  troupe::breaker::circuit_breaker::ticket t;
  for (auto st : {job_status::bad_input, job_status::cancelled,
                  job_status::unknown_skill})
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(c.try_acquire(now, t));
      c.record(now, t, st, 1ms);
    }
  EXPECT_EQ(c.state(), circuit_state::closed);
  // OVERLOADED was configured, and may count.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(c.try_acquire(now, t));
    c.record(now, t, job_status::overloaded, 1ms);
  }
  EXPECT_EQ(c.state(), circuit_state::open);
}

TEST_F(CircuitBreaker, FailureStatusesAreConfigurable) {
  auto p = small_policy();
  p.failure_statuses = {job_status::skill_error};
  troupe::breaker::circuit_breaker c{p, t0};
  troupe::breaker::circuit_breaker::ticket t;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.try_acquire(now, t));
    c.record(now, t, job_status::timeout, 1ms);
  }
  EXPECT_EQ(c.state(), circuit_state::closed);
}

TEST_F(CircuitBreaker, AnUncountedTrialFreesItsSlot) {
  calls(4, job_status::skill_error);
  now = t0 + 5s;
  troupe::breaker::circuit_breaker::ticket a, b, c;
  ASSERT_TRUE(cb.try_acquire(now, a));
  ASSERT_TRUE(cb.try_acquire(now, b));
  EXPECT_FALSE(cb.try_acquire(now, c));
  cb.record(now, a, job_status::bad_input, 1ms);
  EXPECT_TRUE(cb.try_acquire(now, c));
}

TEST_F(CircuitBreaker, OutcomesOfCallsFromAnEarlierStateAreIgnored) {
  troupe::breaker::circuit_breaker::ticket early;
  ASSERT_TRUE(cb.try_acquire(now, early));
  calls(4, job_status::skill_error);
  now = t0 + 5s;
  cb.advance(now);
  troupe::breaker::circuit_breaker::ticket trial;
  ASSERT_TRUE(cb.try_acquire(now, trial));
  // The call let through before the trip fails late: it must not count as
  // a trial.
  cb.record(now, early, job_status::skill_error, 1ms);
  EXPECT_EQ(cb.state(), circuit_state::half_open);
  cb.record(now, trial, job_status::ok, 1ms);
  ASSERT_TRUE(call(job_status::ok));
  EXPECT_EQ(cb.state(), circuit_state::closed);
}

TEST_F(CircuitBreaker, ForcedOpenRejectsUntilReset) {
  cb.force_open(now);
  EXPECT_EQ(cb.state(), circuit_state::forced_open);
  EXPECT_FALSE(call(job_status::ok));
  // No timer moves it.
  EXPECT_EQ(cb.next_transition(), time_point::max());
  now += 24h;
  cb.advance(now);
  EXPECT_FALSE(call(job_status::ok));
  EXPECT_EQ(cb.until_half_open(now), caf::timespan{0});
  EXPECT_NE(cb.rejection(now).find("operator"), std::string::npos);
  cb.reset(now);
  EXPECT_EQ(cb.state(), circuit_state::closed);
  EXPECT_TRUE(call(job_status::ok));
  EXPECT_EQ(transitions,
            (std::vector<transition>{
              {circuit_state::closed, circuit_state::forced_open},
              {circuit_state::forced_open, circuit_state::closed}}));
}

TEST_F(CircuitBreaker, ForcedClosedNeverTripsButKeepsCounting) {
  cb.force_close(now);
  calls(50, job_status::skill_error);
  EXPECT_EQ(cb.state(), circuit_state::forced_closed);
  auto st = cb.status(now);
  EXPECT_EQ(st.calls, 10u);
  EXPECT_DOUBLE_EQ(st.failure_rate, 100.0);
  cb.force_open(now);
  EXPECT_EQ(cb.state(), circuit_state::forced_open);
}

TEST_F(CircuitBreaker, ForceCloseEndsAnOpenBreaker) {
  calls(4, job_status::skill_error);
  cb.force_close(now);
  EXPECT_TRUE(call(job_status::ok));
  EXPECT_EQ(cb.next_transition(), time_point::max());
}

TEST_F(CircuitBreaker, ResetForgetsTheWindowAndTheTrips) {
  auto p = small_policy();
  p.open_wait_multiplier = 3;
  troupe::breaker::circuit_breaker c{p, t0};
  troupe::breaker::circuit_breaker::ticket t;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.try_acquire(now, t));
    c.record(now, t, job_status::skill_error, 1ms);
  }
  c.reset(now);
  EXPECT_EQ(c.status(now).calls, 0u);
  // Three more failures do not reach the four calls needed.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.try_acquire(now, t));
    c.record(now, t, job_status::skill_error, 1ms);
  }
  EXPECT_EQ(c.state(), circuit_state::closed);
}

TEST_F(CircuitBreaker, StatusShowsThePolicyAndTheWindow) {
  calls(1, job_status::ok);
  calls(1, job_status::ok, 2s);
  calls(1, job_status::skill_error);
  auto st = cb.status(now);
  EXPECT_EQ(st.state, circuit_state::closed);
  EXPECT_EQ(st.calls, 3u);
  EXPECT_EQ(st.failures, 1u);
  EXPECT_EQ(st.slow_calls, 1u);
  EXPECT_NEAR(st.failure_rate, 33.33, 0.01);
  EXPECT_EQ(st.minimum_calls, 4u);
  EXPECT_DOUBLE_EQ(st.failure_rate_threshold, 50);
  EXPECT_DOUBLE_EQ(st.slow_call_rate_threshold, 100);
  EXPECT_EQ(st.half_open_calls, 2u);
  EXPECT_EQ(st.until_half_open, caf::timespan{0});
}

} // namespace
