#include "actors/supervision/restart_policy.hpp"

#include <caf/exit_reason.hpp>

#include <algorithm>
#include <cmath>

namespace troupe::supervision {

std::string_view to_string(restart_type x) noexcept {
  switch (x) {
    case restart_type::permanent:
      return "permanent";
    case restart_type::transient:
      return "transient";
    case restart_type::temporary:
      return "temporary";
  }
  return "permanent";
}

std::string_view to_string(restart_strategy x) noexcept {
  switch (x) {
    case restart_strategy::one_for_one:
      return "one_for_one";
    case restart_strategy::one_for_all:
      return "one_for_all";
    case restart_strategy::rest_for_one:
      return "rest_for_one";
  }
  return "one_for_one";
}

std::optional<restart_strategy>
parse_restart_strategy(std::string_view str) noexcept {
  for (auto x : {restart_strategy::one_for_one, restart_strategy::one_for_all,
                 restart_strategy::rest_for_one})
    if (to_string(x) == str)
      return x;
  return std::nullopt;
}

bool is_normal_exit(const caf::error& reason) noexcept {
  return !reason || reason == caf::exit_reason::normal
         || reason == caf::exit_reason::user_shutdown;
}

bool should_restart(restart_type type, const caf::error& reason) noexcept {
  switch (type) {
    case restart_type::permanent:
      return true;
    case restart_type::transient:
      return !is_normal_exit(reason);
    case restart_type::temporary:
      return false;
  }
  return false;
}

restart_plan plan_restart(restart_strategy strategy, size_t failed,
                          const std::vector<child_view>& children) {
  restart_plan plan;
  if (failed >= children.size())
    return plan;
  // The children that go down with the failed one, in start order.
  size_t first = failed;
  size_t last = failed + 1;
  if (strategy == restart_strategy::one_for_all) {
    first = 0;
    last = children.size();
  } else if (strategy == restart_strategy::rest_for_one) {
    last = children.size();
  }
  for (size_t i = last; i-- > first;)
    if (i != failed && children[i].running)
      plan.stop.push_back(i);
  for (size_t i = first; i < last; ++i) {
    // A temporary sibling stopped for the restart is not started again
    // (Erlang/OTP does the same); one that was not running stays down.
    if (i != failed
        && (children[i].type == restart_type::temporary
            || !children[i].running))
      continue;
    plan.start.push_back(i);
  }
  return plan;
}

void restart_window::expire(time_point now) {
  while (!times_.empty() && now - times_.front() >= limits_.period)
    times_.pop_front();
}

bool restart_window::record(time_point now) {
  expire(now);
  times_.push_back(now);
  return times_.size() <= limits_.max_restarts;
}

uint32_t restart_window::recent(time_point now) {
  expire(now);
  return static_cast<uint32_t>(times_.size());
}

caf::timespan backoff_schedule::next(time_point started, time_point now,
                                     double unit) {
  if (policy_.initial <= caf::timespan{0})
    return caf::timespan{0};
  if (now - started >= policy_.reset_after)
    failures_ = 0;
  ++failures_;
  auto base = static_cast<double>(policy_.initial.count())
              * std::pow(std::max(policy_.multiplier, 1.0),
                         static_cast<double>(failures_ - 1));
  auto cap = static_cast<double>(policy_.max.count());
  base = std::min(base, cap);
  auto spread = std::clamp(policy_.jitter, 0.0, 1.0);
  auto factor = 1.0 + spread * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
  auto delay = std::min(base * factor, cap);
  return caf::timespan{static_cast<int64_t>(delay)};
}

} // namespace troupe::supervision
