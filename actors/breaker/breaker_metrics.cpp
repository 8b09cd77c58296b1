#include "actors/breaker/breaker_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace troupe::breaker {

namespace {

bool is_forced(circuit_state x) {
  return x == circuit_state::forced_open || x == circuit_state::forced_closed;
}

} // namespace

void breaker_metrics::skill_metrics::transition(circuit_state from,
                                                circuit_state to) const {
  if (state == nullptr)
    return;
  // The names users see, e.g. from="closed" to="open".
  transitions
    ->Add({{"skill", skill},
           {"from", std::string{to_string(from)}},
           {"to", std::string{to_string(to)}}})
    .Increment();
  state->Set(metric_value(to));
  forced->Set(is_forced(to) ? 1 : 0);
}

breaker_metrics::breaker_metrics(prometheus::Registry& registry)
    : state_(&prometheus::BuildGauge()
                .Name("troupe_breaker_state")
                .Help("State of each skill's circuit breaker: 0 closed, 1 "
                      "open, 2 half-open")
                .Register(registry)),
      forced_(&prometheus::BuildGauge()
                 .Name("troupe_breaker_forced")
                 .Help("1 while an operator forces the skill's breaker open "
                       "or closed")
                 .Register(registry)),
      transitions_(&prometheus::BuildCounter()
                      .Name("troupe_breaker_transitions_total")
                      .Help("State changes of each skill's circuit breaker")
                      .Register(registry)),
      rejected_(&prometheus::BuildCounter()
                   .Name("troupe_breaker_rejected_total")
                   .Help("Jobs an open breaker did not let through (answered "
                         "BREAKER_OPEN or by the skill's fallback)")
                   .Register(registry)),
      fallbacks_(&prometheus::BuildCounter()
                    .Name("troupe_breaker_fallbacks_total")
                    .Help("Jobs answered by the skill's fallback skill while "
                          "its breaker was open")
                    .Register(registry)),
      retries_(&prometheus::BuildCounter()
                  .Name("troupe_retries_total")
                  .Help("Attempts started again after a failed attempt, with "
                        "backoff")
                  .Register(registry)) {
  // nop
}

breaker_metrics::skill_metrics
breaker_metrics::for_skill(const std::string& skill, bool with_breaker) {
  skill_metrics out;
  out.retries = &retries_->Add({{"skill", skill}});
  if (!with_breaker)
    return out;
  out.state = &state_->Add({{"skill", skill}});
  out.forced = &forced_->Add({{"skill", skill}});
  out.rejected = &rejected_->Add({{"skill", skill}});
  out.fallbacks = &fallbacks_->Add({{"skill", skill}});
  out.transitions = transitions_;
  out.skill = skill;
  return out;
}

} // namespace troupe::breaker
