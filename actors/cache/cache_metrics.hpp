#pragma once

#include <memory>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
} // namespace prometheus

namespace troupe::cache {

/// The result cache's metrics, shared by a node's shards and its router:
/// `troupe_cache_requests_total{result}` (hit, miss, coalesced, bypass,
/// refresh), `troupe_cache_evictions_total{reason}` (size, ttl, admission,
/// too_large), `troupe_cache_bytes`, `troupe_cache_entries` and
/// `troupe_cache_refreshes_total` (refresh-aheads). Thread-safe.
class cache_metrics {
 public:
  /// Registers the families in `registry`, which must outlive this object.
  explicit cache_metrics(prometheus::Registry& registry);

  prometheus::Counter* hit;
  prometheus::Counter* miss;
  prometheus::Counter* coalesced;
  prometheus::Counter* bypass;
  prometheus::Counter* refresh;
  prometheus::Counter* evicted_size;
  prometheus::Counter* evicted_ttl;
  prometheus::Counter* rejected_admission;
  prometheus::Counter* rejected_too_large;
  prometheus::Counter* refresh_aheads;
  prometheus::Gauge* bytes;
  prometheus::Gauge* entries;
};

using cache_metrics_ptr = std::shared_ptr<cache_metrics>;

} // namespace troupe::cache
