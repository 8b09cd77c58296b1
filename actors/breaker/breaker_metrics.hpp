#pragma once

#include "actors/metrics/metrics_fwd.hpp"
#include "messages/breaker_status.hpp"

#include <memory>
#include <string>

namespace troupe::breaker {

/// The breaker and retry metrics of one node:
/// `troupe_breaker_state{skill}` (0 closed, 1 open, 2 half-open),
/// `troupe_breaker_transitions_total{skill,from,to}`,
/// `troupe_breaker_rejected_total{skill}` (calls not let through, whether
/// answered BREAKER_OPEN or by the fallback),
/// `troupe_breaker_fallbacks_total{skill}`,
/// `troupe_breaker_forced{skill}` (1 while an operator forces the state) and
/// `troupe_retries_total{skill}`. Thread-safe.
class breaker_metrics {
 public:
  /// The metrics of one skill, resolved once so the job path does no label
  /// lookups; null members are not kept.
  struct skill_metrics {
    prometheus::Gauge* state = nullptr;
    prometheus::Gauge* forced = nullptr;
    prometheus::Counter* rejected = nullptr;
    prometheus::Counter* fallbacks = nullptr;
    prometheus::Counter* retries = nullptr;
    /// Transitions are rare: their series are added when they first happen.
    prometheus::Family<prometheus::Counter>* transitions = nullptr;
    std::string skill;

    /// Counts a transition and updates the state gauges.
    void transition(circuit_state from, circuit_state to) const;
  };

  /// Registers the families in `registry`, which must outlive this object.
  explicit breaker_metrics(prometheus::Registry& registry);

  /// The metrics of `skill`: only `troupe_retries_total` for a skill that
  /// retries without a breaker; all of them otherwise (the state gauge
  /// starts at closed).
  skill_metrics for_skill(const std::string& skill, bool with_breaker);

 private:
  prometheus::Family<prometheus::Gauge>* state_;
  prometheus::Family<prometheus::Gauge>* forced_;
  prometheus::Family<prometheus::Counter>* transitions_;
  prometheus::Family<prometheus::Counter>* rejected_;
  prometheus::Family<prometheus::Counter>* fallbacks_;
  prometheus::Family<prometheus::Counter>* retries_;
};

using breaker_metrics_ptr = std::shared_ptr<breaker_metrics>;

} // namespace troupe::breaker
