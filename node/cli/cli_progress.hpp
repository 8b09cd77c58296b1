#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace troupe::cli {

/// A one-line progress display on a terminal: done/total, a bar, rate and
/// ETA (without a total: done and rate). Redraws at most ten times a second;
/// draws nothing when its stream is not a terminal. Used by one thread.
class progress_line {
 public:
  /// Draws on `out` (stderr) when it is a terminal.
  explicit progress_line(std::FILE* out);

  /// Sets the number of items expected, when known.
  void total(uint64_t n) {
    total_ = n;
  }

  /// Reports `done` items finished; redraws when due.
  void update(uint64_t done);

  /// Removes the line (before printing anything else).
  void clear();

  bool active() const {
    return enabled_;
  }

 private:
  void draw(uint64_t done);

  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  std::optional<uint64_t> total_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

} // namespace troupe::cli
