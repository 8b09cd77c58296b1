#include "actors/link/batch_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace troupe::link {

void batch_metrics::peer_series::record(flush_reason reason,
                                        size_t items) const {
  flushes[static_cast<size_t>(reason)]->Increment();
  size->Observe(static_cast<double>(items));
}

batch_metrics::batch_metrics(prometheus::Registry& registry)
    : flushes_(&prometheus::BuildCounter()
                  .Name("troupe_batch_flushes_total")
                  .Help("Batches sent to a destination, by why they went out")
                  .Register(registry)),
      size_(&prometheus::BuildHistogram()
               .Name("troupe_batch_size")
               .Help("Items per batch sent to a destination")
               .Register(registry)) {
  // nop
}

batch_metrics::peer_series batch_metrics::for_peer(const std::string& peer) {
  static const prometheus::Histogram::BucketBoundaries buckets{
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  peer_series out;
  for (size_t i = 0; i < flush_reason_count; ++i)
    out.flushes[i] = &flushes_->Add(
      {{"peer", peer}, {"reason", to_string(static_cast<flush_reason>(i))}});
  out.size = &size_->Add({{"peer", peer}}, buckets);
  return out;
}

} // namespace troupe::link
