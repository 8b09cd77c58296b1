#pragma once

#include "actors/cache/frequency_sketch.hpp"
#include "messages/cache_key.hpp"
#include "messages/job_status.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace troupe::cache {

/// A byte-budgeted map from cache keys to results, in least-recently-used
/// order, with per-entry expiry and TinyLFU admission: when storing a new
/// entry would exceed the budget, it may evict the least recently used
/// entries only if the frequency sketch says it is seen more often than
/// each of them; otherwise the new entry is rejected and the cache keeps
/// what it has. This keeps one-off keys (a scan) from flushing hot ones.
///
/// Memory: entries live in a chunked slab of 64-byte records (key, expiry,
/// value pointer and size, LRU links as 32-bit slab indices, status) found
/// through an open-addressing index of 32-bit slab indices; the value is one
/// heap block. `charge()` is what an entry counts against the budget.
/// Plain logic with the clock passed in; not thread-safe (one per shard).
class result_store {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// Bytes of a key.
  static constexpr uint64_t key_bytes = sizeof(cache_key);

  /// Bookkeeping charged per entry besides key and value: the slab record
  /// without its key (32), index slots (≤ 11 at the lowest load), the
  /// sketch's counters (8) and the value block's allocator header (8),
  /// rounded up. docs/benchmarks.md measures the real figure.
  static constexpr uint64_t entry_overhead = 64;

  /// Bytes an entry of `value_size` counts against the budget.
  static constexpr uint64_t charge(uint64_t value_size) noexcept {
    return key_bytes + value_size + entry_overhead;
  }

  struct config {
    /// Upper bound of the sum of `charge()` over all entries.
    uint64_t budget = 64 * 1024 * 1024;
    /// TinyLFU admission; off = plain LRU (for comparison).
    bool admission = true;
  };

  /// Counters since the store was made, plus its current size.
  struct stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t inserts = 0;
    uint64_t replaced = 0;
    /// Entries evicted to make room for others.
    uint64_t evicted_size = 0;
    /// Entries removed because they expired.
    uint64_t evicted_ttl = 0;
    /// New entries refused because every candidate victim was hotter.
    uint64_t rejected_admission = 0;
    /// Entries refused because they alone exceed the budget.
    uint64_t rejected_too_large = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
  };

  /// A cached result; the value is valid until the store changes.
  struct found {
    job_status status;
    std::string_view value;
    time_point expires;
  };

  enum class insert_outcome {
    stored,
    replaced,
    rejected_admission,
    too_large,
  };

  explicit result_store(config cfg);
  ~result_store();

  result_store(const result_store&) = delete;
  result_store& operator=(const result_store&) = delete;

  /// Looks `key` up at `now` and counts the access in the frequency sketch.
  /// A hit becomes the most recently used entry; an expired entry is
  /// removed (an eviction by TTL) and reported as a miss.
  std::optional<found> find(const cache_key& key, time_point now);

  /// Stores `value` under `key` until `expires`, replacing an entry of the
  /// same key (which stays admitted). A new key goes through admission.
  insert_outcome insert(const cache_key& key, job_status status,
                        std::string_view value, time_point expires,
                        time_point now);

  /// Removes `key`; false when absent.
  bool erase(const cache_key& key);

  /// Removes expired entries among the next `max_slots` slab slots (a
  /// clock hand that wraps around); returns how many it removed. Lets
  /// expired entries give back their bytes without being looked up.
  size_t sweep(time_point now, size_t max_slots);

  /// The sketch's estimate for `key`.
  uint32_t frequency(const cache_key& key) const {
    return sketch_.frequency(key.hash());
  }

  const stats& counters() const noexcept {
    return stats_;
  }

  uint64_t budget() const noexcept {
    return cfg_.budget;
  }

  /// Keys from most to least recently used (for tests; O(n)).
  std::vector<cache_key> keys_by_recency() const;

 private:
  static constexpr uint32_t npos = 0xffffffff;

  struct entry;

  entry& at(uint32_t idx) const;
  uint32_t lookup(const cache_key& key, size_t* pos = nullptr) const;
  void index_add(uint32_t idx);
  void index_remove(size_t pos);
  void index_grow();
  void link_front(uint32_t idx);
  void unlink(uint32_t idx);
  uint32_t allocate();
  void remove(uint32_t idx, uint64_t& counter);
  bool make_room(uint64_t needed, uint32_t candidate_freq, time_point now,
                 uint32_t keep);
  void set_value(entry& e, std::string_view value);

  config cfg_;
  stats stats_;
  frequency_sketch sketch_;
  std::vector<std::unique_ptr<entry[]>> chunks_;
  uint32_t slots_ = 0;
  uint32_t free_ = npos;
  uint32_t head_ = npos;
  uint32_t tail_ = npos;
  std::vector<uint32_t> index_;
  size_t index_mask_ = 0;
  size_t hand_ = 0;
  /// Scratch list of eviction candidates (kept to avoid allocations).
  std::vector<uint32_t> victims_;
};

} // namespace troupe::cache
