// The recent-jobs ring: it keeps the newest results in order, numbered as
// they leave, and no more than its capacity.
#include "actors/metrics/recent_jobs.hpp"

#include <gtest/gtest.h>

using troupe::job_result;
using troupe::job_status;
using troupe::metrics::recent_jobs;

namespace {

std::vector<job_result> results(int first, int n) {
  std::vector<job_result> out;
  for (int i = first; i < first + n; ++i) {
    job_result r;
    r.skill = "s" + std::to_string(i);
    r.status = i % 2 == 0 ? job_status::ok : job_status::timeout;
    r.run_time = std::chrono::microseconds{i};
    out.push_back(r);
  }
  return out;
}

} // namespace

TEST(RecentJobs, KeepsTheNewestInOrder) {
  recent_jobs ring;
  EXPECT_TRUE(ring.list().empty());
  ring.record(results(0, 3), 100);
  auto l = ring.list();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].seq, 1u);
  EXPECT_EQ(l[0].skill, "s0");
  EXPECT_EQ(l[2].skill, "s2");
  EXPECT_EQ(l[1].status, job_status::timeout);
  EXPECT_EQ(l[2].micros, 2u);
  EXPECT_EQ(l[2].unix_ms, 100);
  // Past the capacity the oldest go, batch after batch.
  for (int i = 3; i < 50; i += 7)
    ring.record(results(i, 7), 200);
  l = ring.list();
  ASSERT_EQ(l.size(), recent_jobs::capacity);
  for (size_t i = 0; i < l.size(); ++i) {
    auto n = 52 - static_cast<int>(recent_jobs::capacity) + static_cast<int>(i);
    EXPECT_EQ(l[i].skill, "s" + std::to_string(n));
    EXPECT_EQ(l[i].seq, static_cast<uint64_t>(n + 1));
  }
}

TEST(RecentJobs, ABatchLargerThanTheRingKeepsItsEnd) {
  recent_jobs ring;
  ring.record(results(0, 100), 1);
  auto l = ring.list();
  ASSERT_EQ(l.size(), recent_jobs::capacity);
  EXPECT_EQ(l.front().skill, "s80");
  EXPECT_EQ(l.back().skill, "s99");
  ring.record({}, 2);
  EXPECT_EQ(ring.list().size(), recent_jobs::capacity);
}
