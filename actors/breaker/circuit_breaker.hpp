#pragma once

#include "actors/breaker/breaker_window.hpp"
#include "actors/skills/breaker_policy.hpp"
#include "messages/breaker_status.hpp"
#include "messages/job_status.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace troupe::breaker {

/// A circuit breaker's state machine, without an actor: it decides whether a
/// call may go through and moves between states from the outcomes it is
/// told and the time it is given (the caller's clock, so tests control it).
///
/// CLOSED lets every call through and records its outcome in the sliding
/// window; once the window holds `minimum_calls` and its failure rate or
/// slow-call rate reaches its threshold, the breaker trips to OPEN. OPEN
/// rejects every call for the open wait (growing by `open_wait_multiplier`
/// with each consecutive trip), then moves to HALF_OPEN by itself
/// (`advance`). HALF_OPEN lets `half_open_calls` trial calls through and
/// rejects the rest; when all trials have ended, it closes (with an empty
/// window) if their rates stay below the thresholds and opens again
/// otherwise. Operators may force it open or closed until they reset it;
/// a breaker forced closed keeps recording (so its rates stay visible) but
/// never trips.
///
/// Each permission carries the breaker's epoch, which changes with every
/// transition: outcomes of calls let through in an earlier state are
/// ignored, so calls still running when the breaker tripped cannot decide
/// a later half-open test. Not thread-safe: one actor owns it.
class circuit_breaker {
 public:
  using time_point = caf::actor_clock::time_point;

  /// What a permitted call must hand back with its outcome.
  struct ticket {
    uint64_t epoch = 0;
    bool trial = false;
  };

  /// Called on every transition (for metrics and logs).
  using transition_listener
    = std::function<void(circuit_state from, circuit_state to)>;

  circuit_breaker(skills::breaker_policy policy, time_point now);

  void on_transition(transition_listener f) {
    listener_ = std::move(f);
  }

  /// Whether a call may start at `now`; fills `out` when it may. Applies
  /// timed transitions first.
  bool try_acquire(time_point now, ticket& out);

  /// Records the outcome of a permitted call that ended at `now` after
  /// running for `duration`.
  void record(time_point now, const ticket& t, job_status status,
              caf::timespan duration);

  /// Applies the transitions that are due at `now` (OPEN -> HALF_OPEN).
  void advance(time_point now);

  /// When `advance` next has something to do; `time_point::max()` when
  /// nothing is due by time alone.
  time_point next_transition() const noexcept;

  // -- operators --------------------------------------------------------------

  /// Rejects every call until `force_close` or `reset`.
  void force_open(time_point now);

  /// Lets every call through and never trips until `force_open` or `reset`.
  void force_close(time_point now);

  /// Back to CLOSED with an empty window and no trip history.
  void reset(time_point now);

  // -- observers --------------------------------------------------------------

  circuit_state state() const noexcept {
    return state_;
  }

  const skills::breaker_policy& policy() const noexcept {
    return policy_;
  }

  /// Time until the breaker lets trial calls through: zero unless OPEN.
  caf::timespan until_half_open(time_point now) const noexcept;

  /// Why a call is rejected at `now`, for a person: the state, the figures
  /// that tripped it and when trial calls start.
  std::string rejection(time_point now) const;

  /// The breaker's figures (everything but the skill name and the counters
  /// the actor keeps).
  breaker_status status(time_point now) const;

  /// Opened since the start (or the last reset).
  uint64_t trips() const noexcept {
    return trips_;
  }

 private:
  void move_to(circuit_state next, time_point now);

  void trip(time_point now, const breaker_window::totals& t);

  bool exceeds(const breaker_window::totals& t) const noexcept;

  skills::breaker_policy policy_;
  breaker_window window_;
  circuit_state state_ = circuit_state::closed;
  uint64_t epoch_ = 0;
  /// While OPEN: when trial calls start.
  time_point open_until_;
  /// Trips since the breaker last closed (the exponent of the open wait).
  uint32_t consecutive_trips_ = 0;
  uint64_t trips_ = 0;
  /// While HALF_OPEN: trials let through and the outcomes of those ended.
  uint32_t trials_started_ = 0;
  breaker_window::totals trials_;
  /// The figures of the last trip, for messages.
  breaker_window::totals tripped_by_;
  bool tripped_by_trials_ = false;
  transition_listener listener_;
};

} // namespace troupe::breaker
