#pragma once

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

// The decisions a supervisor makes, as plain logic without actors: whether
// a child is restarted, which siblings go with it, when the supervisor gives
// up, and how long a child that keeps failing waits before its next start.
namespace troupe::supervision {

/// When a supervisor restarts a child that ended (Erlang/OTP's restart
/// types).
enum class restart_type : uint8_t {
  /// Always, whatever the reason.
  permanent,
  /// Only after an abnormal exit (not normal, not a shutdown).
  transient,
  /// Never: the child is forgotten once it ends.
  temporary,
};

/// Which children a supervisor restarts when one of them fails.
enum class restart_strategy : uint8_t {
  /// Only the failed child.
  one_for_one,
  /// Every child: the others are stopped first, in reverse start order.
  one_for_all,
  /// The failed child and every child started after it.
  rest_for_one,
};

std::string_view to_string(restart_type x) noexcept;
std::string_view to_string(restart_strategy x) noexcept;

/// Parses `one_for_one`, `one_for_all` or `rest_for_one`.
std::optional<restart_strategy>
parse_restart_strategy(std::string_view str) noexcept;

/// Whether an exit reason is a normal end: no error, `normal`, or a
/// shutdown someone asked for (`user_shutdown`).
bool is_normal_exit(const caf::error& reason) noexcept;

/// Whether a child of type `type` that ended with `reason` is restarted.
bool should_restart(restart_type type, const caf::error& reason) noexcept;

/// What a supervisor knows about one child when it plans a restart.
struct child_view {
  bool running = false;
  restart_type type = restart_type::permanent;
};

/// The children a restart touches, as indexes in start order.
struct restart_plan {
  /// Running children to stop first, in the order to stop them (reverse
  /// start order).
  std::vector<size_t> stop;
  /// Children to start afterwards, in start order. Temporary children that
  /// the plan stops are not started again.
  std::vector<size_t> start;
};

/// Plans the restart of `children[failed]`, which has ended, by `strategy`.
restart_plan plan_restart(restart_strategy strategy, size_t failed,
                          const std::vector<child_view>& children);

/// Restart intensity: at most `max_restarts` restarts within `period`; one
/// more and the supervisor stops its children and itself.
struct restart_intensity {
  uint32_t max_restarts = 5;
  caf::timespan period = std::chrono::seconds(10);
};

/// Restart times within the intensity period, for one supervisor.
class restart_window {
 public:
  using time_point = caf::actor_clock::time_point;

  explicit restart_window(restart_intensity limits = {}) : limits_(limits) {}

  /// Records a restart at `now`; false when it is one too many.
  bool record(time_point now);

  /// Restarts within the period ending at `now`.
  uint32_t recent(time_point now);

  const restart_intensity& limits() const noexcept {
    return limits_;
  }

 private:
  void expire(time_point now);

  restart_intensity limits_;
  std::deque<time_point> times_;
};

/// Delays for restarting a child that keeps failing: exponential with
/// jitter, so that a crash loop neither spins nor makes siblings restart in
/// lockstep. `initial` 0 disables backoff (restart at once).
struct backoff_policy {
  caf::timespan initial{0};
  caf::timespan max = std::chrono::seconds(10);
  double multiplier = 2.0;
  /// Spread of each delay as a fraction: d * (1 ± jitter).
  double jitter = 0.2;
  /// A child that ran this long before failing starts over at `initial`.
  caf::timespan reset_after = std::chrono::seconds(10);
};

/// The backoff state of one child.
class backoff_schedule {
 public:
  using time_point = caf::actor_clock::time_point;

  explicit backoff_schedule(backoff_policy policy = {}) : policy_(policy) {}

  /// The delay before restarting a child that failed at `now` after it had
  /// been started at `started`; `unit` is a uniform random number in [0, 1)
  /// for the jitter.
  caf::timespan next(time_point started, time_point now, double unit);

  /// Failures in a row so far (reset by a long enough run).
  uint32_t failures() const noexcept {
    return failures_;
  }

 private:
  backoff_policy policy_;
  uint32_t failures_ = 0;
};

} // namespace troupe::supervision
