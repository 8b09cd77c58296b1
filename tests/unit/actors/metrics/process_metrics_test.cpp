// The process_* metrics: /proc/PID/stat read right (a command name may
// hold spaces and parentheses), and this process's figures as the kernel
// sees them.
#include "actors/metrics/process_metrics.hpp"

#include <gtest/gtest.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <map>
#include <string>

using troupe::metrics::parse_proc_stat;
using troupe::metrics::process_sample;

TEST(ProcessMetrics, ReadsTheFieldsAfterTheCommandName) {
  // Fields 14/15 utime/stime = 250/50 ticks, 22 starttime = 1000 ticks,
  // 23 vsize, 24 rss in pages.
  std::string line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
                     "250 50 0 0 20 0 7 0 1000 123456789 300 "
                     "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1";
  process_sample s;
  ASSERT_TRUE(parse_proc_stat(line, 100, 4096, 1'700'000'000, s));
  EXPECT_DOUBLE_EQ(s.cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(s.start_time_seconds, 1'700'000'010.0);
  EXPECT_DOUBLE_EQ(s.virtual_bytes, 123456789.0);
  EXPECT_DOUBLE_EQ(s.resident_bytes, 300.0 * 4096);
}

TEST(ProcessMetrics, RefusesLinesThatDoNotParse) {
  process_sample s;
  EXPECT_FALSE(parse_proc_stat("", 100, 4096, 0, s));
  EXPECT_FALSE(parse_proc_stat("12 (x) S 1 2 3", 100, 4096, 0, s));
  EXPECT_FALSE(parse_proc_stat("12 x S 1", 100, 4096, 0, s));
  std::string bad = "1 (x) S";
  for (int i = 0; i < 30; ++i)
    bad += " z";
  EXPECT_FALSE(parse_proc_stat(bad, 100, 4096, 0, s));
}

TEST(ProcessMetrics, ThisProcessAsTheKernelSeesIt) {
  auto before = troupe::metrics::sample_this_process();
  EXPECT_GT(before.resident_bytes, 0);
  EXPECT_GE(before.virtual_bytes, before.resident_bytes);
  EXPECT_GT(before.max_fds, 0);
  auto now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(before.start_time_seconds, now - 24 * 3600 * 365);
  EXPECT_LE(before.start_time_seconds, now + 1);
  // Three more descriptors are seen as three more.
  int fds[3];
  for (auto& fd : fds)
    fd = open("/dev/null", O_RDONLY);
  auto during = troupe::metrics::sample_this_process();
  for (auto fd : fds)
    close(fd);
  EXPECT_EQ(during.open_fds, before.open_fds + 3);
}

TEST(ProcessMetrics, TheCollectorReportsEachFamilyOnce) {
  auto families = troupe::metrics::make_process_collector()->Collect();
  std::map<std::string, prometheus::MetricFamily> by_name;
  for (auto& f : families) {
    EXPECT_EQ(f.metric.size(), 1u) << f.name;
    EXPECT_TRUE(by_name.emplace(f.name, f).second) << f.name;
  }
  ASSERT_EQ(by_name.size(), 6u);
  EXPECT_EQ(by_name["process_cpu_seconds_total"].type,
            prometheus::MetricType::Counter);
  EXPECT_GT(by_name["process_resident_memory_bytes"].metric[0].gauge.value, 0);
  EXPECT_GT(by_name["process_open_fds"].metric[0].gauge.value, 0);
  EXPECT_GT(by_name["process_start_time_seconds"].metric[0].gauge.value, 0);
}
