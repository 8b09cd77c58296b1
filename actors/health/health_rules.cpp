#include "actors/health/health_rules.hpp"

#include "config/node_config.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::health {

namespace {

std::string percent(double x) {
  return std::to_string(static_cast<int>(std::lround(x * 100))) + " %";
}

bool is_error(job_status x) {
  switch (x) {
    case job_status::skill_error:
    case job_status::timeout:
    case job_status::node_lost:
    case job_status::internal:
      return true;
    default:
      return false;
  }
}

// The level of `value` against a warning and a critical threshold; false
// when below both.
template <class T>
bool level_of(T value, T warning, T critical, severity& out) {
  if (value >= critical) {
    out = severity::critical;
    return true;
  }
  if (value >= warning) {
    out = severity::warning;
    return true;
  }
  return false;
}

} // namespace

health_rules::health_rules(config::health_config cfg) : cfg_(cfg) {
  // nop
}

void health_rules::series::add(time_point now, uint64_t raw,
                               caf::timespan window, bool from_zero) {
  if (history.empty() && from_zero)
    history.emplace_back(now, 0);
  // A value below the last one means the counter started over.
  total += raw >= last_raw ? raw - last_raw : raw;
  last_raw = raw;
  history.emplace_back(now, total);
  // Keep the newest sample at or before the window's start as the base.
  while (history.size() > 1 && history[1].first <= now - window)
    history.pop_front();
}

uint64_t health_rules::series::delta() const {
  return history.empty() ? 0 : history.back().second - history.front().second;
}

void health_rules::raise(alert_map& next, time_point now, severity level,
                         const std::string& rule, const std::string& subject,
                         std::string message) {
  auto key = std::make_pair(rule, subject);
  auto& x = next[key];
  auto old = active_.find(key);
  // An alert that only changes its values or level keeps its age.
  x.since = old != active_.end() ? old->second.since : now;
  x.a.level = level;
  x.a.rule = rule;
  x.a.subject = subject;
  x.a.message = std::move(message);
}

void health_rules::check_jobs(const health_sample& x, alert_map& next) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> totals;
  for (auto& c : x.counts) {
    auto& t = totals[c.skill];
    t.first += c.count;
    if (is_error(c.status))
      t.second += c.count;
  }
  auto window = config::duration_text(cfg_.window);
  for (auto& [skill, t] : totals) {
    auto& h = jobs_[skill].history;
    if (h.empty() && !first_sample_)
      h.emplace_back(x.now, 0, 0); // its first jobs arrived since then
    h.emplace_back(x.now, t.first, t.second);
    while (h.size() > 1 && std::get<0>(h[1]) <= x.now - cfg_.window)
      h.pop_front();
    auto jobs = std::get<1>(h.back()) - std::get<1>(h.front());
    auto errors = std::get<2>(h.back()) - std::get<2>(h.front());
    if (jobs < cfg_.min_jobs || skill == "-")
      continue;
    auto rate = static_cast<double>(errors) / static_cast<double>(jobs);
    severity level;
    if (!level_of(rate, cfg_.error_rate_warning, cfg_.error_rate_critical,
                  level))
      continue;
    auto limit = level == severity::critical ? cfg_.error_rate_critical
                                             : cfg_.error_rate_warning;
    raise(next, x.now, level, "error-rate", "skill " + skill,
          "skill " + skill + ": error rate " + percent(rate) + " > "
            + percent(limit) + " over " + window + " (" + std::to_string(errors)
            + " of " + std::to_string(jobs) + " jobs failed)");
  }
}

void health_rules::check_pools(const health_sample& x, alert_map& next) {
  for (auto& p : x.pools) {
    if (p.capacity == 0)
      continue;
    auto fill = static_cast<double>(p.queued) / static_cast<double>(p.capacity);
    severity level;
    if (!level_of(fill, cfg_.queue_warning, cfg_.queue_critical, level))
      continue;
    auto limit = level == severity::critical ? cfg_.queue_critical
                                             : cfg_.queue_warning;
    raise(next, x.now, level, "queue", "skill " + p.skill,
          "skill " + p.skill + ": queue " + percent(fill) + " full > "
            + percent(limit) + " (" + std::to_string(p.queued) + " of "
            + std::to_string(p.capacity) + " jobs)");
  }
}

void health_rules::check_restarts(const health_sample& x, alert_map& next) {
  for (auto& sup : x.supervisors)
    for (auto& c : sup.children) {
      restarts_[{sup.path, c.name}].add(x.now, c.restarts, cfg_.window,
                                        !first_sample_);
      if (c.state == "restarting" || c.state == "stopped")
        raise(next, x.now, severity::warning, "restarting",
              sup.path + "/" + c.name,
              sup.path + "/" + c.name + " is " + c.state
                + " (its supervisor starts it again)");
    }
  for (auto& p : x.pools)
    restarts_[{std::string{tree_path::skills} + "/" + p.skill, "worker"}].add(
      x.now, p.worker_restarts, cfg_.window, !first_sample_);
  auto window = config::duration_text(cfg_.window);
  for (auto& [key, s] : restarts_) {
    auto n = s.delta();
    if (n == 0)
      continue;
    auto level = severity::info;
    level_of<uint64_t>(n, cfg_.restarts_warning, cfg_.restarts_critical, level);
    auto subject = key.first + "/" + key.second;
    auto what = key.second == "worker" ? std::string{"worker restart"}
                                       : std::string{"restart"};
    std::string limit;
    if (level == severity::critical)
      limit = " >= " + std::to_string(cfg_.restarts_critical);
    else if (level == severity::warning)
      limit = " >= " + std::to_string(cfg_.restarts_warning);
    raise(next, x.now, level, "restarts", subject,
          (key.second == "worker" ? key.first : subject) + ": "
            + std::to_string(n) + " " + what + (n == 1 ? "" : "s") + limit
            + " within " + window);
  }
}

void health_rules::check_actors(const health_sample& x, alert_map& next) {
  for (auto& path : x.unresponsive)
    raise(next, x.now, severity::critical, "unresponsive", path,
          path + " did not answer the health check within "
            + config::duration_text(cfg_.poll_timeout));
  for (auto& m : x.mailboxes) {
    severity level;
    if (!level_of(m.size, cfg_.mailbox_warning, cfg_.mailbox_critical, level))
      continue;
    auto limit = level == severity::critical ? cfg_.mailbox_critical
                                             : cfg_.mailbox_warning;
    raise(next, x.now, level, "mailbox", m.path,
          m.path + ": " + std::to_string(m.size) + " messages waiting > "
            + std::to_string(limit));
  }
  for (auto& m : x.members)
    if (m.status == member_status::down)
      raise(next, x.now, severity::warning, "member-down", "member " + m.name,
            "member " + m.name + " (" + m.address + ") is down");
}

void health_rules::check_listeners(const health_sample& x, alert_map& next) {
  for (auto& l : x.listeners) {
    auto& [count, grew] = refusals_[l.port];
    // Refusals before the first sample are history, as job counts are.
    if (l.refused > count && !first_sample_)
      grew = x.now;
    count = l.refused;
    if (!l.accepting)
      raise(next, x.now, severity::critical, "listener", l.port,
            "the " + l.port
              + " accepts no connections: the node has no file descriptor "
                "left");
    else if (grew != time_point{} && x.now - grew < cfg_.window)
      raise(next, x.now, severity::warning, "listener", l.port,
            "the " + l.port + " refused connections within "
              + config::duration_text(cfg_.window) + " ("
              + std::to_string(l.refused)
              + " since the node started): at its connection cap or short "
                "of file descriptors");
  }
}

void health_rules::update(const health_sample& x) {
  alert_map next;
  check_jobs(x, next);
  check_pools(x, next);
  check_restarts(x, next);
  check_actors(x, next);
  check_listeners(x, next);
  first_sample_ = false;
  active_ = std::move(next);
  int score = 100;
  for (auto& [key, a] : active_)
    switch (a.a.level) {
      case severity::info:
        score -= 2;
        break;
      case severity::warning:
        score -= 10;
        break;
      case severity::critical:
        score -= 30;
        break;
    }
  score_ = static_cast<uint32_t>(std::max(score, 0));
}

std::vector<alert> health_rules::alerts(time_point now) const {
  std::vector<alert> out;
  out.reserve(active_.size());
  for (auto& [key, a] : active_) {
    auto x = a.a;
    x.age_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - a.since)
        .count());
    out.push_back(std::move(x));
  }
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return a.level > b.level;
  });
  return out;
}

std::array<uint32_t, 3> health_rules::alert_counts() const noexcept {
  std::array<uint32_t, 3> out{};
  for (auto& [key, a] : active_)
    ++out[static_cast<size_t>(a.a.level)];
  return out;
}

std::vector<restart_count> health_rules::restarts() const {
  std::vector<restart_count> out;
  for (auto& [key, s] : restarts_)
    if (s.total > 0)
      out.push_back(restart_count{key.first, key.second, s.total});
  return out;
}

} // namespace troupe::health
