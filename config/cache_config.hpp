#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::config {

class config_reader;

/// A job run when the node starts, so that its result is cached before the
/// first client arrives.
struct preload_job {
  std::string skill;
  std::string input;
};

/// A node's result cache (the `[cache]` section). Which skills are cached,
/// and for how long, is each skill's policy (`[skills.NAME]`).
struct cache_config {
  /// Cache shards (actors), each owning a slice of the key space and of the
  /// budget; 0 turns the cache off.
  uint32_t shards = 2;
  /// Bytes all cached results may take: keys, values and bookkeeping.
  uint64_t budget = 64 * 1024 * 1024;
  /// TinyLFU admission; false = plain LRU.
  bool admission = true;
  /// Hot entries recomputed ahead of their expiry, at most this many per
  /// second for the whole node (0 = never).
  double refresh_rate = 10;
  /// Skills whose pools start at full size.
  std::vector<std::string> preload_skills;
  /// Jobs run at start, before the node takes clients.
  std::vector<preload_job> preload_jobs;
};

/// Reads the `[cache]` section (shards, budget, admission, refresh-rate,
/// preload-skills, preload-jobs) over `cfg`; problems go to the reader.
/// Whether preloaded skills exist is checked with the skills
/// (`make_node_catalog`).
void read_cache_section(config_reader& section, cache_config& cfg);

} // namespace troupe::config
