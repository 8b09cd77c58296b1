#include "actors/cache/cache_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace troupe::cache {

cache_metrics::cache_metrics(prometheus::Registry& registry) {
  auto& requests = prometheus::BuildCounter()
                     .Name("troupe_cache_requests_total")
                     .Help("Jobs of cached skills by how the cache served "
                           "them: hit, miss, coalesced (joined an identical "
                           "running job), bypass, refresh")
                     .Register(registry);
  hit = &requests.Add({{"result", "hit"}});
  miss = &requests.Add({{"result", "miss"}});
  coalesced = &requests.Add({{"result", "coalesced"}});
  bypass = &requests.Add({{"result", "bypass"}});
  refresh = &requests.Add({{"result", "refresh"}});
  auto& evictions = prometheus::BuildCounter()
                      .Name("troupe_cache_evictions_total")
                      .Help("Results removed or refused by the cache: size "
                            "(room for others), ttl (expired), admission "
                            "(new entry colder than its victims), too_large")
                      .Register(registry);
  evicted_size = &evictions.Add({{"reason", "size"}});
  evicted_ttl = &evictions.Add({{"reason", "ttl"}});
  rejected_admission = &evictions.Add({{"reason", "admission"}});
  rejected_too_large = &evictions.Add({{"reason", "too_large"}});
  refresh_aheads = &prometheus::BuildCounter()
                      .Name("troupe_cache_refreshes_total")
                      .Help("Hot entries recomputed ahead of their expiry")
                      .Register(registry)
                      .Add({});
  bytes = &prometheus::BuildGauge()
             .Name("troupe_cache_bytes")
             .Help("Bytes the cached results count against the budget "
                   "(keys, values and bookkeeping)")
             .Register(registry)
             .Add({});
  entries = &prometheus::BuildGauge()
               .Name("troupe_cache_entries")
               .Help("Cached results")
               .Register(registry)
               .Add({});
}

} // namespace troupe::cache
