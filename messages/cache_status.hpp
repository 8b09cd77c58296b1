#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

/// Cache lookups of one skill.
struct skill_hits {
  std::string skill;
  uint64_t hits = 0;
  uint64_t misses = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, skill_hits& x) {
  return f(caf::meta::type_name("skill_hits"), x.skill, x.hits, x.misses);
}

/// What `troupe status` shows about a node's result cache (one shard's
/// figures, or the sum over a node's shards).
struct cache_status {
  uint32_t shards = 0;
  /// Lookups answered from the cache.
  uint64_t hits = 0;
  /// Lookups that ran the skill.
  uint64_t misses = 0;
  /// Lookups that joined an identical job already running (single-flight).
  uint64_t coalesced = 0;
  /// Jobs of cached skills that asked to bypass the cache.
  uint64_t bypassed = 0;
  /// Jobs that asked to recompute and replace their entry.
  uint64_t refreshed = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t budget = 0;
  uint64_t evicted_size = 0;
  uint64_t evicted_ttl = 0;
  uint64_t rejected_admission = 0;
  uint64_t rejected_too_large = 0;
  /// Hot entries recomputed ahead of their expiry.
  uint64_t refresh_aheads = 0;
  /// Executions in flight on behalf of the cache.
  uint64_t in_flight = 0;
  /// Skills by hits, most first.
  std::vector<skill_hits> skills;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_status& x) {
  return f(caf::meta::type_name("cache_status"), x.shards, x.hits, x.misses,
           x.coalesced, x.bypassed, x.refreshed, x.entries, x.bytes, x.budget,
           x.evicted_size, x.evicted_ttl, x.rejected_admission,
           x.rejected_too_large, x.refresh_aheads, x.in_flight, x.skills);
}

/// Adds `x`'s figures to `sum`, merging per-skill counts by name; the
/// skills stay sorted by hits (most first), then name.
void merge_into(cache_status& sum, const cache_status& x);

} // namespace troupe
