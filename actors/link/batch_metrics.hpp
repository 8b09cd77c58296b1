#pragma once

#include "actors/link/batch_policy.hpp"
#include "actors/metrics/metrics_fwd.hpp"

#include <array>
#include <memory>
#include <string>

namespace troupe::link {

/// Batching metrics of one node: `troupe_batch_size{peer}` (items per batch)
/// and `troupe_batch_flushes_total{peer,reason}`. Thread-safe.
class batch_metrics {
 public:
  /// The series of one destination, resolved once so that a flush does no
  /// label lookups.
  struct peer_series {
    std::array<prometheus::Counter*, flush_reason_count> flushes{};
    prometheus::Histogram* size = nullptr;

    void record(flush_reason reason, size_t items) const;
  };

  /// Registers the families in `registry`, which must outlive this object.
  explicit batch_metrics(prometheus::Registry& registry);

  peer_series for_peer(const std::string& peer);

 private:
  prometheus::Family<prometheus::Counter>* flushes_;
  prometheus::Family<prometheus::Histogram>* size_;
};

using batch_metrics_ptr = std::shared_ptr<batch_metrics>;

} // namespace troupe::link
