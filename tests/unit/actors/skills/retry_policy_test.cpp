// Retries: exponential backoff with full jitter and a cap, only retryable
// statuses, only idempotent skills, attempts and deadline bounded.
#include "actors/skills/retry_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using troupe::job_status;
using troupe::skills::backoff_ceiling;
using troupe::skills::plan_retry;
using troupe::skills::retry_policy;
using time_point = caf::actor_clock::time_point;

const time_point t0 = time_point{} + 1h;

troupe::skills::retry_policy policy(caf::timespan base = 100ms,
                                    caf::timespan cap = 1s) {
  troupe::skills::retry_policy p;
  p.retry_on = {job_status::skill_error, job_status::timeout};
  p.backoff = base;
  p.backoff_max = cap;
  return p;
}

TEST(RetryPolicy, RetriesNothingByDefault) {
  troupe::skills::retry_policy p;
  EXPECT_TRUE(p.retry_on.empty());
  auto d = troupe::skills::plan_retry(p, true, job_status::timeout, 1, 5, t0,
                                      t0 + 1h, 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_TRUE(d.why_not.empty());
}

TEST(RetryPolicy, BackoffDoublesPerAttemptUpToTheCap) {
  auto p = policy(100ms, 1s);
  EXPECT_EQ(troupe::skills::backoff_ceiling(p, 2), caf::timespan{100ms});
  EXPECT_EQ(troupe::skills::backoff_ceiling(p, 3), caf::timespan{200ms});
  EXPECT_EQ(troupe::skills::backoff_ceiling(p, 4), caf::timespan{400ms});
  EXPECT_EQ(troupe::skills::backoff_ceiling(p, 5), caf::timespan{800ms});
  EXPECT_EQ(troupe::skills::backoff_ceiling(p, 6), caf::timespan{1s});
  EXPECT_EQ(troupe::skills::backoff_ceiling(p, 100), caf::timespan{1s});
  // Far beyond 64 doublings nothing overflows.
  EXPECT_EQ(troupe::skills::backoff_ceiling(policy(1ns, 24h), 1000),
            caf::timespan{24h});
}

TEST(RetryPolicy, FullJitterPicksUniformlyBelowTheCeiling) {
  auto p = policy(100ms, 1s);
  // Attempt 3 follows attempt 2: ceiling 200 ms.
  auto at = [&](double u) {
    return troupe::skills::plan_retry(p, true, job_status::skill_error, 2, 5,
                                      t0, t0 + 1h, u)
      .delay;
  };
  EXPECT_EQ(at(0.0), caf::timespan{0});
  EXPECT_EQ(at(0.25), caf::timespan{50ms});
  EXPECT_EQ(at(0.5), caf::timespan{100ms});
  EXPECT_LE(at(0.999999), caf::timespan{200ms});
  EXPECT_GT(at(0.999999), caf::timespan{199ms});
}

TEST(RetryPolicy, ScheduleOfAFailingJob) {
  auto p = policy(100ms, 300ms);
  // With the largest jitter each wait is its ceiling: 100, 200, 300, 300.
  std::vector<caf::timespan> waits;
  for (uint32_t attempts = 1; attempts < 5; ++attempts) {
    auto d = troupe::skills::plan_retry(p, true, job_status::timeout, attempts,
                                        5, t0, t0 + 1h, 1.0);
    ASSERT_TRUE(d.retry) << attempts;
    waits.push_back(d.delay);
  }
  EXPECT_EQ(waits, (std::vector<caf::timespan>{100ms, 200ms, 300ms, 300ms}));
}

TEST(RetryPolicy, OnlyRetryableStatusesAreRetried) {
  auto p = policy();
  for (auto st : {job_status::ok, job_status::bad_input, job_status::overloaded,
                  job_status::cancelled, job_status::breaker_open}) {
    auto d = troupe::skills::plan_retry(p, true, st, 1, 5, t0, t0 + 1h, 0.5);
    EXPECT_FALSE(d.retry) << to_string(st);
  }
  EXPECT_TRUE(troupe::skills::plan_retry(p, true, job_status::skill_error, 1, 5,
                                         t0, t0 + 1h, 0.5)
                .retry);
}

TEST(RetryPolicy, NeverRetriesANonIdempotentSkill) {
  auto d = troupe::skills::plan_retry(policy(), false, job_status::timeout, 1,
                                      5, t0, t0 + 1h, 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_NE(d.why_not.find("not idempotent"), std::string::npos) << d.why_not;
}

TEST(RetryPolicy, StopsWhenTheAttemptsAreUsedUp) {
  auto p = policy();
  EXPECT_TRUE(troupe::skills::plan_retry(p, true, job_status::timeout, 2, 3, t0,
                                         t0 + 1h, 0.5)
                .retry);
  auto d = troupe::skills::plan_retry(p, true, job_status::timeout, 3, 3, t0,
                                      t0 + 1h, 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_NE(d.why_not.find("after 3 attempts"), std::string::npos) << d.why_not;
  // One attempt allowed: nothing to say.
  d = troupe::skills::plan_retry(p, true, job_status::timeout, 1, 1, t0,
                                 t0 + 1h, 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_TRUE(d.why_not.empty());
}

TEST(RetryPolicy, TheDeadlineBoundsTheNextAttempt) {
  auto p = policy(100ms, 1s);
  // A 50 ms wait fits before a deadline 60 ms away, 100 ms does not.
  EXPECT_TRUE(troupe::skills::plan_retry(p, true, job_status::timeout, 1, 5, t0,
                                         t0 + 60ms, 0.5)
                .retry);
  auto d = troupe::skills::plan_retry(p, true, job_status::timeout, 1, 5, t0,
                                      t0 + 60ms, 1.0);
  EXPECT_FALSE(d.retry);
  EXPECT_NE(d.why_not.find("deadline"), std::string::npos) << d.why_not;
  // A deadline already reached allows nothing, not even an immediate retry.
  d = troupe::skills::plan_retry(p, true, job_status::timeout, 1, 5, t0, t0,
                                 0.0);
  EXPECT_FALSE(d.retry);
}

TEST(RetryPolicy, ZeroBackoffRetriesAtOnce) {
  auto d = troupe::skills::plan_retry(
    policy(0ns, 0ns), true, job_status::timeout, 1, 5, t0, t0 + 1s, 0.9);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, caf::timespan{0});
}

} // namespace
