// A worker's stderr as log lines: splitting, cutting, escaping, and the
// budget that keeps a flood out of the log (with simulated time).
#include "actors/pool/stderr_throttle.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::pool::stderr_throttle;

struct logged {
  std::vector<std::string> lines;
  std::vector<uint64_t> drops;

  troupe::pool::stderr_throttle
  make(uint32_t lines_per_second, size_t max_line_bytes,
       troupe::pool::stderr_throttle::time_point now) {
    return troupe::pool::stderr_throttle{{lines_per_second, max_line_bytes},
                                         [this](std::string_view line) {
                                           lines.emplace_back(line);
                                         },
                                         [this](uint64_t n) {
                                           drops.push_back(n);
                                         },
                                         now};
  }
};

const auto t0 = troupe::pool::stderr_throttle::time_point{} + 1h;

TEST(StderrThrottle, SplitsLinesAcrossReadsAndKeepsThemOnOneLine) {
  logged out;
  auto th = out.make(100, 1024, t0);
  th.feed("first li", t0);
  th.feed("ne\r\nsecond\n\nthird\x1b[31mred\x7f\n", t0);
  th.feed("unfinished", t0);
  EXPECT_EQ(out.lines, (std::vector<std::string>{"first line", "second", "",
                                                 "third\\x1b[31mred\\x7f"}));
  th.finish(t0);
  ASSERT_EQ(out.lines.size(), 5u);
  EXPECT_EQ(out.lines[4], "unfinished");
  EXPECT_TRUE(out.drops.empty());
}

TEST(StderrThrottle, CutsLongLinesAndSaysHowMuch) {
  logged out;
  auto th = out.make(100, 8, t0);
  th.feed("0123456789abc\nshort\n", t0);
  // A line longer than the limit over several reads keeps only its start.
  th.feed(std::string(5000, 'y'), t0);
  th.feed(std::string(5000, 'y') + "\n", t0);
  EXPECT_EQ(out.lines,
            (std::vector<std::string>{"01234567... (5 bytes cut)", "short",
                                      "yyyyyyyy... (9992 bytes "
                                      "cut)"}));
}

TEST(StderrThrottle, DropsLinesOverTheBudgetAndReportsThemOnce) {
  logged out;
  auto th = out.make(10, 1024, t0);
  std::string burst;
  for (int i = 0; i < 100; ++i)
    burst += "line " + std::to_string(i) + "\n";
  th.feed(burst, t0);
  // One second's worth passes, the rest is dropped and counted.
  ASSERT_EQ(out.lines.size(), 10u);
  EXPECT_EQ(out.lines[9], "line 9");
  EXPECT_TRUE(out.drops.empty());
  EXPECT_EQ(th.report_due(), t0 + 1s);
  // The budget refills with time: 100 ms buys one line.
  th.feed("again\nand again\n", t0 + 100ms);
  EXPECT_EQ(out.lines.size(), 11u);
  EXPECT_EQ(out.lines.back(), "again");
  th.tick(t0 + 999ms);
  EXPECT_TRUE(out.drops.empty());
  th.tick(t0 + 1s);
  EXPECT_EQ(out.drops, (std::vector<uint64_t>{91}));
  EXPECT_EQ(th.report_due(), troupe::pool::stderr_throttle::time_point::max());
  // Nothing more to report at the end.
  th.finish(t0 + 2s);
  EXPECT_EQ(out.drops.size(), 1u);
  // A full second of quiet refills the whole burst.
  th.feed("a\nb\nc\n", t0 + 3s);
  EXPECT_EQ(out.lines.size(), 14u);
}

TEST(StderrThrottle, AnEndlessFloodLogsAtTheRateWithAReportASecond) {
  logged out;
  auto th = out.make(20, 64, t0);
  std::string chunk;
  for (int i = 0; i < 1000; ++i)
    chunk += std::string(100, 'x') + "\n";
  // Ten seconds of a worker writing 100,000 lines a second.
  for (int ms = 0; ms < 10'000; ms += 10) {
    auto now = t0 + std::chrono::milliseconds(ms);
    th.feed(chunk, now);
    th.tick(now);
  }
  th.finish(t0 + 10s);
  EXPECT_LE(out.lines.size(), 20u * 11);
  EXPECT_GE(out.lines.size(), 20u * 9);
  EXPECT_LE(out.drops.size(), 11u);
  uint64_t dropped = 0;
  for (auto n : out.drops)
    dropped += n;
  EXPECT_EQ(dropped + out.lines.size(), 1'000'000u);
}

} // namespace
