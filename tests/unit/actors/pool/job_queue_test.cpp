#include "actors/pool/job_queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::pool::job_queue;
using time_point = troupe::pool::job_queue::time_point;

// Pops everything, returning the tickets in order.
std::vector<uint64_t> drain(troupe::pool::job_queue& q) {
  std::vector<uint64_t> out;
  troupe::pool::job_queue::entry e;
  while (q.pop(
    [](uint64_t) {
      return true;
    },
    e))
    out.push_back(e.ticket);
  return out;
}

TEST(JobQueue, HigherPriorityFirstThenArrivalOrder) {
  troupe::pool::job_queue q{1s};
  time_point t0{};
  q.push(q.make_entry(1, 1, t0));
  q.push(q.make_entry(2, 5, t0));
  q.push(q.make_entry(3, 3, t0));
  q.push(q.make_entry(4, 5, t0));
  q.push(q.make_entry(5, 0, t0));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{2, 4, 3, 1, 5}));
}

TEST(JobQueue, EqualPriorityIsFirstComeFirstServed) {
  troupe::pool::job_queue q{1s};
  time_point t0{};
  std::vector<uint64_t> expected;
  // Same priority, arriving within the same clock tick or later.
  for (uint64_t i = 1; i <= 100; ++i) {
    q.push(q.make_entry(i, 2, t0 + std::chrono::microseconds(i / 10)));
    expected.push_back(i);
  }
  EXPECT_EQ(drain(q), expected);
}

TEST(JobQueue, WaitingLongEnoughOutranksHigherPriority) {
  troupe::pool::job_queue q{1s};
  time_point t0{};
  // A low-priority job waiting 10 s counts as 10 levels up ...
  q.push(q.make_entry(1, 0, t0));
  q.push(q.make_entry(2, 5, t0 + 10s));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{1, 2}));
  // ... but not after 3 s.
  q.push(q.make_entry(3, 0, t0));
  q.push(q.make_entry(4, 5, t0 + 3s));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{4, 3}));
}

TEST(JobQueue, NeverStarvesALowPriorityJob) {
  // A stream of high-priority jobs, one every 100 ms, while one job of
  // priority -5 waits: it runs once it waited 5 s worth of aging plus the
  // newcomers' lead.
  troupe::pool::job_queue q{1s};
  time_point t0{};
  q.push(q.make_entry(0, -5, t0));
  troupe::pool::job_queue::entry e;
  auto live = [](uint64_t) {
    return true;
  };
  for (uint64_t i = 1; i <= 200; ++i) {
    auto now = t0 + i * 100ms;
    q.push(q.make_entry(i, 5, now));
    ASSERT_TRUE(q.pop(live, e));
    if (e.ticket == 0) {
      EXPECT_LE(now - t0, 11s);
      return;
    }
  }
  FAIL() << "the low-priority job never ran";
}

TEST(JobQueue, ExtremePrioritiesDoNotOverflow) {
  troupe::pool::job_queue q{std::chrono::hours(24 * 365)};
  time_point t0{};
  q.push(q.make_entry(1, INT32_MIN, t0));
  q.push(q.make_entry(2, INT32_MAX, t0));
  q.push(q.make_entry(3, 0, t0));
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{2, 3, 1}));
}

TEST(JobQueue, PopSkipsEntriesThatAreNoLongerLive) {
  troupe::pool::job_queue q{1s};
  time_point t0{};
  for (uint64_t i = 1; i <= 5; ++i)
    q.push(q.make_entry(i, 0, t0));
  std::set<uint64_t> gone{1, 2, 4};
  auto live = [&](uint64_t t) {
    return gone.count(t) == 0;
  };
  troupe::pool::job_queue::entry e;
  ASSERT_TRUE(q.pop(live, e));
  EXPECT_EQ(e.ticket, 3u);
  ASSERT_TRUE(q.pop(live, e));
  EXPECT_EQ(e.ticket, 5u);
  EXPECT_FALSE(q.pop(live, e));
  EXPECT_TRUE(q.empty());
}

TEST(JobQueue, CompactDropsStaleEntriesOnceTheyDominate) {
  troupe::pool::job_queue q{1s};
  time_point t0{};
  for (uint64_t i = 1; i <= 5000; ++i)
    q.push(q.make_entry(i, 0, t0));
  auto live = [](uint64_t t) {
    return t > 4990;
  };
  q.compact(10, live);
  EXPECT_EQ(q.size(), 10u);
  EXPECT_EQ(drain(q).front(), 4991u);
}

TEST(JobQueue, ARequeuedEntryKeepsItsPlace) {
  troupe::pool::job_queue q{1s};
  time_point t0{};
  auto first = q.make_entry(1, 0, t0);
  q.push(first);
  q.push(q.make_entry(2, 0, t0));
  troupe::pool::job_queue::entry e;
  ASSERT_TRUE(q.pop(
    [](uint64_t) {
      return true;
    },
    e));
  EXPECT_EQ(e.ticket, 1u);
  // Its attempt failed: it goes back ahead of the job behind it.
  q.push(e);
  EXPECT_EQ(drain(q), (std::vector<uint64_t>{1, 2}));
}

} // namespace
