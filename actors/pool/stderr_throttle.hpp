#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace troupe::pool {

/// Turns what a worker process writes to its stderr into log lines, within
/// a budget, so that a chatty or hostile worker can neither fill the disk
/// nor keep the node busy logging: at most `lines_per_second` lines (bursts
/// up to one second's worth), each cut after `max_line_bytes` (the line says
/// how many bytes were cut), control characters escaped so that one line of
/// stderr stays one line of log. Lines over the budget are dropped and
/// counted; the count is reported once the drops have gone on for a second
/// (so at most once a second), and at the end.
class stderr_throttle {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  struct limits {
    uint32_t lines_per_second = 100;
    size_t max_line_bytes = 1024;
  };

  /// Receives each line to log, without its line break.
  using line_fn = std::function<void(std::string_view line)>;
  /// Receives how many lines were dropped since the last report.
  using dropped_fn = std::function<void(uint64_t lines)>;

  stderr_throttle(limits lim, line_fn on_line, dropped_fn on_dropped,
                  time_point now);

  /// Takes the next bytes the worker wrote.
  void feed(std::string_view data, time_point now);

  /// Reports the dropped lines if their report is due.
  void tick(time_point now);

  /// When the next report of dropped lines is due; max() = none pending.
  time_point report_due() const noexcept {
    return report_due_;
  }

  /// The worker's stderr ended: logs an unfinished last line and reports
  /// what was dropped.
  void finish(time_point now);

 private:
  void end_line(time_point now);
  bool take_token(time_point now);
  void report();

  limits lim_;
  line_fn on_line_;
  dropped_fn on_dropped_;
  /// The line being read (cut at the limit) and bytes cut off it.
  std::string line_;
  uint64_t cut_ = 0;
  bool in_line_ = false;
  /// Token bucket in line-nanoseconds: a line costs one second's worth.
  int64_t tokens_;
  time_point refilled_;
  uint64_t dropped_ = 0;
  time_point report_due_ = time_point::max();
};

} // namespace troupe::pool
