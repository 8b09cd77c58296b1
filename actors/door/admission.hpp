#pragma once

#include "actors/door/token_table.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace troupe::door {

/// The clock of admissions; callers pass its `now()` (tests a made-up time).
using admission_clock = std::chrono::steady_clock;

/// How long a client refused for jobs in flight is told to wait: when its
/// jobs finish is unknown, and a tenth of a second lets it retry soon
/// without spinning.
inline constexpr auto in_flight_retry_hint = std::chrono::milliseconds(100);

/// What a token's limits said to a batch of jobs.
enum class verdict {
  admitted,
  /// The token holds as many jobs as it may; retry when some finished.
  in_flight_full,
  /// The token submitted faster than its rate; retry when it accrued.
  rate_exceeded,
  /// The batch alone exceeds the token's in-flight limit or burst: no
  /// retry can admit it, only a smaller batch.
  batch_too_large,
};

/// The answer to one admission request: the verdict and, when refused, the
/// figures that explain it. Plain data, so that answering allocates
/// nothing; `describe` makes the text for a person.
struct admission {
  verdict outcome = verdict::admitted;
  /// The jobs asked for.
  uint64_t jobs = 0;
  /// The limit that refused: jobs in flight, jobs/s or the burst.
  uint64_t limit = 0;
  /// For `in_flight_full`: the jobs the token holds; for `rate_exceeded`:
  /// the whole jobs its bucket holds now.
  uint64_t current = 0;
  /// When a retry may succeed; zero when admitted or when no retry can
  /// (`batch_too_large`).
  admission_clock::duration retry_after{0};
  /// For `batch_too_large`: whether the burst (else the in-flight limit)
  /// refused.
  bool by_burst = false;

  bool admitted() const noexcept {
    return outcome == verdict::admitted;
  }
};

/// Why a refused admission was refused, with when to retry, e.g. "64 jobs
/// in flight, the token's limit is 64; retry in 100ms". Empty when
/// admitted.
std::string describe(const admission& a);

/// One token's limits in force: its jobs in flight and a token bucket that
/// refills at `rate` jobs/s up to `burst`. Thread-safe; a refused admission
/// changes nothing.
class token_gate {
 public:
  explicit token_gate(const token_limits& limits) noexcept;

  token_gate(const token_gate&) = delete;
  token_gate& operator=(const token_gate&) = delete;

  /// Admits `jobs` jobs at `now`, counting them in flight and taking them
  /// from the bucket, or refuses them all. A bucket starts full at the
  /// first call; a `now` earlier than an earlier call's accrues nothing.
  admission admit(uint64_t jobs, admission_clock::time_point now) noexcept;

  /// Counts `jobs` admitted jobs as answered. Never below zero: releasing
  /// more than was admitted is a caller's bug, and wrapping around would
  /// lock the token out.
  void release(uint64_t jobs) noexcept;

  /// The jobs admitted and not yet released (counted only when the token
  /// has an in-flight limit).
  uint64_t in_flight() const noexcept;

 private:
  // The bucket in billionths of a job, so that refilling at any whole rate
  // is exact in integers: one nanosecond adds `rate` units.
  static constexpr uint64_t unit = 1'000'000'000;

  // How long until the bucket holds `jobs` whole jobs (mutex held).
  admission_clock::duration wait_for(uint64_t jobs) const noexcept;

  void refill(admission_clock::time_point now) noexcept;

  const uint64_t max_in_flight_; // 0: no limit
  const uint64_t rate_;          // jobs/s; 0: no limit
  const uint64_t capacity_;      // burst * unit
  mutable std::mutex mtx_;
  uint64_t in_flight_ = 0;
  uint64_t credit_ = 0;
  admission_clock::time_point refilled_{};
  bool started_ = false;
};

/// The gates of every token in a table, for the door's handler threads:
/// `find` a token in the table, `admit` its jobs here, `release` them when
/// answered. Thread-safe. Keeps a reference to the table, which must
/// outlive it; a reloaded table needs a new `admission_control`.
class admission_control {
 public:
  explicit admission_control(const token_table& table);

  /// `token_gate::admit` for `entry`, an entry of the table.
  admission admit(const token_entry& entry, uint64_t jobs,
                  admission_clock::time_point now) noexcept {
    return gate(entry).admit(jobs, now);
  }

  /// `token_gate::release` for `entry`, an entry of the table.
  void release(const token_entry& entry, uint64_t jobs) noexcept {
    gate(entry).release(jobs);
  }

  token_gate& gate(const token_entry& entry) noexcept {
    return gates_[table_.slot_of(entry)];
  }

 private:
  const token_table& table_;
  // A deque: gates hold a mutex and cannot move.
  std::deque<token_gate> gates_;
};

} // namespace troupe::door
