#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

/// How bad an alert is; also what it costs the health score.
enum class severity : uint8_t { info, warning, critical };

/// Upper-case name as users see it (`INFO`, `WARNING`, `CRITICAL`).
std::string_view to_string(severity x) noexcept;

/// Parses the name (case-insensitive).
std::optional<severity> parse_severity(std::string_view str) noexcept;

/// An active alert of the health monitor.
struct alert {
  severity level = severity::info;
  /// The rule that raised it, e.g. `error-rate`.
  std::string rule;
  /// What it is about, e.g. `skill flaky` or `node/router`.
  std::string subject;
  /// The rule with its values, e.g. "error rate 42 % > 25 % over 30 s".
  std::string message;
  /// How long it has been active.
  uint64_t age_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert& x) {
  return f(caf::meta::type_name("alert"), x.level, x.rule, x.subject, x.message,
           x.age_ms);
}

/// Restarts of one child since the node started, by its supervisor (for
/// workers: their pool).
struct restart_count {
  std::string supervisor;
  std::string child;
  uint64_t restarts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restart_count& x) {
  return f(caf::meta::type_name("restart_count"), x.supervisor, x.child,
           x.restarts);
}

/// The health monitor's view of its node.
struct health_status {
  /// 100 = nothing to complain about; every active alert lowers it.
  uint32_t score = 100;
  std::vector<alert> alerts;
  std::vector<restart_count> restarts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_status& x) {
  return f(caf::meta::type_name("health_status"), x.score, x.alerts,
           x.restarts);
}

/// What a long-lived actor without a richer status (router, gateway) tells
/// the health monitor when asked.
struct health_report {
  /// Messages waiting in its mailbox.
  uint64_t mailbox = 0;
  /// Jobs it holds: forwarded and not answered yet (gateway), or buffered
  /// while the pool they go to restarts (router).
  uint64_t jobs = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_report& x) {
  return f(caf::meta::type_name("health_report"), x.mailbox, x.jobs);
}

} // namespace troupe
