#include "actors/door/admission.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace troupe::door;
using namespace std::chrono_literals;

namespace {

// A made-up time: the tests move it by hand and never sleep.
const admission_clock::time_point t0 = admission_clock::time_point{} + 1h;

token_limits limits(std::optional<uint64_t> in_flight,
                    std::optional<uint64_t> rate,
                    std::optional<uint64_t> burst = std::nullopt) {
  token_limits l;
  l.in_flight = in_flight;
  l.rate = rate;
  l.burst = burst;
  return l;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST(Admission, NoLimitsAdmitsEverything) {
  token_gate gate{token_limits{}};
  for (int i = 0; i < 1000; ++i)
    EXPECT_TRUE(gate.admit(1000, t0).admitted());
  EXPECT_EQ(gate.in_flight(), 0u);
  gate.release(5);
}

TEST(Admission, InFlightCountsUntilReleased) {
  token_gate gate{limits(3, std::nullopt)};
  EXPECT_TRUE(gate.admit(2, t0).admitted());
  EXPECT_TRUE(gate.admit(1, t0).admitted());
  EXPECT_EQ(gate.in_flight(), 3u);
  auto refused = gate.admit(1, t0);
  EXPECT_EQ(refused.outcome, verdict::in_flight_full);
  EXPECT_EQ(refused.limit, 3u);
  EXPECT_EQ(refused.current, 3u);
  EXPECT_EQ(refused.retry_after, in_flight_retry_hint);
  gate.release(1);
  EXPECT_EQ(gate.in_flight(), 2u);
  EXPECT_FALSE(gate.admit(2, t0).admitted());
  EXPECT_TRUE(gate.admit(1, t0).admitted());
}

TEST(Admission, RefusedBatchTakesNothing) {
  token_gate gate{limits(4, std::nullopt)};
  ASSERT_TRUE(gate.admit(3, t0).admitted());
  EXPECT_FALSE(gate.admit(2, t0).admitted());
  EXPECT_EQ(gate.in_flight(), 3u);
  EXPECT_TRUE(gate.admit(1, t0).admitted());
}

TEST(Admission, ReleasingTooMuchStopsAtZero) {
  token_gate gate{limits(2, std::nullopt)};
  ASSERT_TRUE(gate.admit(1, t0).admitted());
  gate.release(5);
  EXPECT_EQ(gate.in_flight(), 0u);
  EXPECT_TRUE(gate.admit(2, t0).admitted());
}

TEST(Admission, BatchOverTheInFlightLimitCanNeverBeAdmitted) {
  token_gate gate{limits(4, std::nullopt)};
  auto a = gate.admit(5, t0);
  EXPECT_EQ(a.outcome, verdict::batch_too_large);
  EXPECT_FALSE(a.by_burst);
  EXPECT_EQ(a.limit, 4u);
  EXPECT_EQ(a.retry_after, 0ns);
  EXPECT_EQ(gate.in_flight(), 0u);
}

TEST(Admission, BucketStartsFullAndRefillsAtTheRate) {
  // 10 jobs/s, burst 10: one job accrues every 100 ms.
  token_gate gate{limits(std::nullopt, 10)};
  EXPECT_TRUE(gate.admit(10, t0).admitted());
  auto refused = gate.admit(1, t0);
  EXPECT_EQ(refused.outcome, verdict::rate_exceeded);
  EXPECT_EQ(refused.limit, 10u);
  EXPECT_EQ(refused.current, 0u);
  EXPECT_EQ(refused.retry_after, 100ms);
  // 40 ms later, 60 ms remain until the next job.
  auto later = gate.admit(1, t0 + 40ms);
  EXPECT_FALSE(later.admitted());
  EXPECT_EQ(later.retry_after, 60ms);
  // Three jobs need 300 ms from t0.
  EXPECT_EQ(gate.admit(3, t0 + 40ms).retry_after, 260ms);
  // At the retry time the job is admitted, and the bucket is empty again.
  EXPECT_TRUE(gate.admit(1, t0 + 100ms).admitted());
  EXPECT_EQ(gate.admit(1, t0 + 100ms).retry_after, 100ms);
}

TEST(Admission, RetryAfterIsExactForRatesThatDoNotDivideASecond) {
  token_gate gate{limits(std::nullopt, 3, 1)};
  ASSERT_TRUE(gate.admit(1, t0).admitted());
  // 1/3 s, rounded up to the next nanosecond.
  EXPECT_EQ(gate.admit(1, t0).retry_after, 333'333'334ns);
  EXPECT_FALSE(gate.admit(1, t0 + 333'333'333ns).admitted());
  EXPECT_TRUE(gate.admit(1, t0 + 333'333'334ns).admitted());
}

TEST(Admission, BucketNeverHoldsMoreThanTheBurst) {
  token_gate gate{limits(std::nullopt, 10, 5)};
  ASSERT_TRUE(gate.admit(5, t0).admitted());
  // A long quiet spell fills the bucket to the burst, no further.
  auto much_later = t0 + 24h * 365;
  EXPECT_TRUE(gate.admit(5, much_later).admitted());
  EXPECT_FALSE(gate.admit(1, much_later).admitted());
}

TEST(Admission, BatchOverTheBurstCanNeverBeAdmitted) {
  token_gate gate{limits(std::nullopt, 10, 5)};
  auto a = gate.admit(6, t0);
  EXPECT_EQ(a.outcome, verdict::batch_too_large);
  EXPECT_TRUE(a.by_burst);
  EXPECT_EQ(a.limit, 5u);
  EXPECT_EQ(a.retry_after, 0ns);
  EXPECT_TRUE(gate.admit(5, t0).admitted());
}

TEST(Admission, RefusedRateRequestTakesNothing) {
  token_gate gate{limits(std::nullopt, 10)};
  ASSERT_TRUE(gate.admit(8, t0).admitted());
  // Two jobs left: three are refused, and the two are still there.
  EXPECT_EQ(gate.admit(3, t0).current, 2u);
  EXPECT_TRUE(gate.admit(2, t0).admitted());
}

TEST(Admission, TimeGoingBackAccruesNothing) {
  token_gate gate{limits(std::nullopt, 10)};
  ASSERT_TRUE(gate.admit(10, t0 + 1s).admitted());
  EXPECT_FALSE(gate.admit(1, t0).admitted());
  EXPECT_EQ(gate.admit(1, t0 + 1s).retry_after, 100ms);
}

TEST(Admission, InFlightRefusalWaitsForTheRateToo) {
  token_gate gate{limits(2, 1)};
  ASSERT_TRUE(gate.admit(1, t0).admitted());
  ASSERT_TRUE(gate.admit(1, t0 + 1s).admitted());
  // Full in flight, and the next job accrues only at t0 + 2 s.
  auto a = gate.admit(1, t0 + 1s);
  EXPECT_EQ(a.outcome, verdict::in_flight_full);
  EXPECT_EQ(a.retry_after, 1s);
  gate.release(2);
  auto b = gate.admit(1, t0 + 1s);
  EXPECT_EQ(b.outcome, verdict::rate_exceeded);
  EXPECT_EQ(b.retry_after, 1s);
}

TEST(Admission, ZeroJobsAreAdmittedAndTakeNothing) {
  token_gate gate{limits(1, 1)};
  EXPECT_TRUE(gate.admit(0, t0).admitted());
  EXPECT_TRUE(gate.admit(1, t0).admitted());
}

TEST(Admission, DescribeSaysWhyAndWhen) {
  token_gate in_flight{limits(1, std::nullopt)};
  ASSERT_TRUE(in_flight.admit(1, t0).admitted());
  EXPECT_EQ(describe(in_flight.admit(1, t0)),
            "1 job in flight, the token's limit is 1; retry in 100 ms");
  token_gate rate{limits(std::nullopt, 2, 4)};
  ASSERT_TRUE(rate.admit(3, t0).admitted());
  EXPECT_EQ(describe(rate.admit(2, t0)),
            "over the token's rate of 2 jobs/s: 2 jobs asked, 1 available "
            "now; retry in 500 ms");
  EXPECT_EQ(describe(rate.admit(9, t0)),
            "a batch of 9 jobs exceeds the token's burst of 4; send smaller "
            "batches");
  EXPECT_EQ(describe(in_flight.admit(2, t0)),
            "a batch of 2 jobs exceeds the token's in-flight limit of 1; "
            "send smaller batches");
  EXPECT_EQ(describe(admission{}), "");
}

TEST(Admission, ControlKeepsAGatePerToken) {
  token_entry a;
  a.name = "a";
  a.digest = digest_of("trp_a");
  a.limits.in_flight = 1;
  token_entry b = a;
  b.name = "b";
  b.digest = digest_of("trp_b");
  token_table table{{a, b}};
  admission_control control{table};
  const auto& ea = *table.find("trp_a");
  const auto& eb = *table.find("trp_b");
  EXPECT_TRUE(control.admit(ea, 1, t0).admitted());
  EXPECT_FALSE(control.admit(ea, 1, t0).admitted());
  EXPECT_TRUE(control.admit(eb, 1, t0).admitted());
  control.release(ea, 1);
  EXPECT_TRUE(control.admit(ea, 1, t0).admitted());
  EXPECT_EQ(control.gate(eb).in_flight(), 1u);
}

TEST(Admission, ConcurrentCallersNeverExceedTheLimit) {
  constexpr uint64_t limit = 8;
  token_gate gate{limits(limit, std::nullopt)};
  std::atomic<uint64_t> holding{0};
  std::atomic<bool> exceeded{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        if (!gate.admit(2, t0).admitted())
          continue;
        if (holding.fetch_add(2) + 2 > limit)
          exceeded = true;
        holding.fetch_sub(2);
        gate.release(2);
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_FALSE(exceeded);
  EXPECT_EQ(gate.in_flight(), 0u);
}
