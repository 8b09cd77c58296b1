#include "actors/breaker/circuit_breaker.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace troupe::breaker {

namespace {

std::string seconds(caf::timespan x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s",
                std::chrono::duration<double>(x).count());
  return buf;
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f%%", x);
  return buf;
}

} // namespace

circuit_breaker::circuit_breaker(skills::breaker_policy policy, time_point now)
    : policy_(std::move(policy)), window_(policy_), open_until_(now) {
  policy_.half_open_calls = std::max(policy_.half_open_calls, 1u);
  if (policy_.window == skills::breaker_window_kind::count)
    policy_.minimum_calls = std::min(policy_.minimum_calls,
                                     policy_.window_calls);
  policy_.minimum_calls = std::max(policy_.minimum_calls, 1u);
}

bool circuit_breaker::try_acquire(time_point now, ticket& out) {
  if (state_ == circuit_state::open)
    advance(now);
  switch (state_) {
    case circuit_state::closed:
    case circuit_state::forced_closed:
      out = ticket{epoch_, false};
      return true;
    case circuit_state::half_open:
      if (trials_started_ >= policy_.half_open_calls)
        return false;
      ++trials_started_;
      out = ticket{epoch_, true};
      return true;
    default:
      return false;
  }
}

bool circuit_breaker::exceeds(const breaker_window::totals& t) const noexcept {
  return t.failure_rate() >= policy_.failure_rate
         || t.slow_call_rate() >= policy_.slow_call_rate;
}

void circuit_breaker::record(time_point now, const ticket& t, job_status status,
                             caf::timespan duration) {
  if (t.epoch != epoch_)
    return; // let through in an earlier state
  bool failure = policy_.failure_statuses.contains(status)
                 && !never_breaker_failures.contains(status);
  if (!failure && status != job_status::ok) {
    // Says nothing about the skill's health; a trial slot it held is free
    // again.
    if (t.trial && trials_started_ > 0)
      --trials_started_;
    return;
  }
  bool slow = duration > policy_.slow_call_duration;
  switch (state_) {
    case circuit_state::closed: {
      window_.record(now, failure, slow);
      auto sum = window_.sum(now);
      if (sum.calls >= policy_.minimum_calls && exceeds(sum)) {
        tripped_by_trials_ = false;
        trip(now, sum);
      }
      break;
    }
    case circuit_state::forced_closed:
      window_.record(now, failure, slow);
      break;
    case circuit_state::half_open:
      if (!t.trial)
        break;
      ++trials_.calls;
      trials_.failures += failure;
      trials_.slow += slow;
      if (trials_.calls < policy_.half_open_calls)
        break;
      if (exceeds(trials_)) {
        tripped_by_trials_ = true;
        trip(now, trials_);
      } else {
        consecutive_trips_ = 0;
        window_.clear();
        move_to(circuit_state::closed, now);
      }
      break;
    default:
      break;
  }
}

void circuit_breaker::trip(time_point now, const breaker_window::totals& t) {
  tripped_by_ = t;
  ++consecutive_trips_;
  ++trips_;
  auto wait = std::chrono::duration<double, std::nano>(policy_.open_wait);
  if (policy_.open_wait_multiplier > 1.0) {
    // Capped before converting so that many trips cannot overflow.
    auto factor = std::pow(policy_.open_wait_multiplier,
                           static_cast<double>(consecutive_trips_ - 1));
    auto cap = std::chrono::duration<double, std::nano>(policy_.open_wait_max);
    wait = std::min(wait * factor, std::max(cap, wait));
  }
  open_until_ = now + std::chrono::duration_cast<caf::timespan>(wait);
  move_to(circuit_state::open, now);
}

void circuit_breaker::advance(time_point now) {
  if (state_ == circuit_state::open && now >= open_until_)
    move_to(circuit_state::half_open, now);
}

circuit_breaker::time_point circuit_breaker::next_transition() const noexcept {
  return state_ == circuit_state::open ? open_until_ : time_point::max();
}

void circuit_breaker::move_to(circuit_state next, time_point) {
  auto prev = state_;
  state_ = next;
  ++epoch_;
  trials_started_ = 0;
  trials_ = breaker_window::totals{};
  if (prev != next && listener_)
    listener_(prev, next);
}

void circuit_breaker::force_open(time_point now) {
  move_to(circuit_state::forced_open, now);
}

void circuit_breaker::force_close(time_point now) {
  move_to(circuit_state::forced_closed, now);
}

void circuit_breaker::reset(time_point now) {
  window_.clear();
  consecutive_trips_ = 0;
  tripped_by_ = breaker_window::totals{};
  move_to(circuit_state::closed, now);
}

caf::timespan circuit_breaker::until_half_open(time_point now) const noexcept {
  if (state_ != circuit_state::open || open_until_ <= now)
    return caf::timespan{0};
  return open_until_ - now;
}

std::string circuit_breaker::rejection(time_point now) const {
  switch (state_) {
    case circuit_state::forced_open:
      return "the breaker was forced open by an operator; it lets calls "
             "through again once reset (troupe breaker --reset)";
    case circuit_state::half_open:
      return "the breaker is half-open and its "
             + std::to_string(policy_.half_open_calls)
             + " trial call(s) are running; retry shortly";
    default: {
      auto& t = tripped_by_;
      std::string why = "the breaker is open (";
      if (t.failure_rate() >= policy_.failure_rate)
        why += "failure rate " + percent(t.failure_rate());
      else
        why += "slow-call rate " + percent(t.slow_call_rate());
      why += tripped_by_trials_
               ? " of its trial calls"
               : " over the last " + std::to_string(t.calls) + " calls";
      return why + "); next trial in " + seconds(until_half_open(now));
    }
  }
}

breaker_status circuit_breaker::status(time_point now) const {
  breaker_status out;
  out.state = state_;
  auto sum = window_.sum(now);
  out.calls = sum.calls;
  out.failures = sum.failures;
  out.slow_calls = sum.slow;
  out.failure_rate = sum.failure_rate();
  out.slow_call_rate = sum.slow_call_rate();
  out.minimum_calls = policy_.minimum_calls;
  out.failure_rate_threshold = policy_.failure_rate;
  out.slow_call_rate_threshold = policy_.slow_call_rate;
  out.until_half_open = until_half_open(now);
  out.trial_calls = trials_started_;
  out.half_open_calls = policy_.half_open_calls;
  out.trips = trips_;
  out.fallback = policy_.fallback;
  return out;
}

} // namespace troupe::breaker
