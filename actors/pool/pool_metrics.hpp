#pragma once

#include "actors/metrics/metrics_fwd.hpp"
#include "actors/pool/restart_reason.hpp"

#include <caf/timespan.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace troupe::pool {

/// The metrics of a node's worker pools: `troupe_pool_workers{skill,state}`
/// (state busy, idle or starting), `troupe_pool_queue_depth{skill}`,
/// `troupe_process_restarts_total{skill,reason}`,
/// `troupe_pool_queue_wait_seconds{skill}` (arrival to start of the run
/// that answered the job) and `troupe_pool_run_seconds{skill}`. Each pool
/// updates its own skill's series. Thread-safe.
class pool_metrics {
 public:
  /// The series of one skill, resolved once so the hot path does no label
  /// lookups.
  struct skill_series {
    prometheus::Gauge* busy = nullptr;
    prometheus::Gauge* idle = nullptr;
    prometheus::Gauge* starting = nullptr;
    prometheus::Gauge* queue_depth = nullptr;
    /// Only for process skills; null otherwise.
    std::array<prometheus::Counter*, restart_reason_count> restarts{};
    prometheus::Histogram* queue_wait = nullptr;
    prometheus::Histogram* run_time = nullptr;

    void workers(uint32_t busy, uint32_t idle, uint32_t starting) const;
    void queued(uint64_t depth) const;
    void ran(caf::timespan queue_wait, caf::timespan run_time) const;
    void restarted(restart_reason why) const;
  };

  /// Registers the families in `registry`, which must outlive this object.
  explicit pool_metrics(prometheus::Registry& registry);

  /// The series of `skill`; restart counters only when `process`.
  skill_series for_skill(const std::string& skill, bool process);

 private:
  prometheus::Family<prometheus::Gauge>* workers_;
  prometheus::Family<prometheus::Gauge>* queue_depth_;
  prometheus::Family<prometheus::Counter>* restarts_;
  prometheus::Family<prometheus::Histogram>* queue_wait_;
  prometheus::Family<prometheus::Histogram>* run_time_;
};

using pool_metrics_ptr = std::shared_ptr<pool_metrics>;

} // namespace troupe::pool
