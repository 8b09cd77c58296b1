#include "actors/health/health_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace troupe::health {

health_metrics::health_metrics(prometheus::Registry& registry)
    : restarts_(&prometheus::BuildCounter()
                   .Name("troupe_restarts_total")
                   .Help("Restarts of a node's actors, by supervisor and "
                         "child (a pool's workers: child=\"worker\")")
                   .Register(registry)) {
  score_ = &prometheus::BuildGauge()
              .Name("troupe_health_score")
              .Help("Node health 0..100 from the health monitor (100 = no "
                    "active alert)")
              .Register(registry)
              .Add({});
  score_->Set(100);
  auto& alerts = prometheus::BuildGauge()
                   .Name("troupe_alerts")
                   .Help("Active health alerts by severity")
                   .Register(registry);
  const char* names[] = {"INFO", "WARNING", "CRITICAL"};
  for (size_t i = 0; i < alerts_.size(); ++i)
    alerts_[i] = &alerts.Add({{"severity", names[i]}});
}

void health_metrics::update(uint32_t score,
                            const std::array<uint32_t, 3>& alerts) {
  score_->Set(score);
  for (size_t i = 0; i < alerts_.size(); ++i)
    alerts_[i]->Set(alerts[i]);
}

prometheus::Counter& health_metrics::restarts(const std::string& supervisor,
                                              const std::string& child) {
  return restarts_->Add({{"supervisor", supervisor}, {"child", child}});
}

void health_metrics::restart(const std::string& supervisor,
                             const std::string& child) {
  restarts(supervisor, child).Increment();
}

} // namespace troupe::health
