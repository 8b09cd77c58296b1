#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace troupe::cache {

/// Estimates how often keys were seen recently: a count-min sketch of 4-bit
/// counters (TinyLFU's frequency filter). Each key touches four counters in
/// one 64-byte block of the table, so an increment or estimate costs one
/// cache line. After `10 × capacity` increments every counter is halved, so
/// old popularity fades and the sketch follows a changing workload.
///
/// The table holds one 64-bit word (16 counters) per expected entry, i.e.
/// 8 bytes per entry; `ensure_capacity` grows it (forgetting the counts, as
/// a resized sketch must). Keys are given as well-mixed 64-bit hashes. Plain
/// logic, not thread-safe.
class frequency_sketch {
 public:
  /// The largest estimate: counters saturate at 15.
  static constexpr uint32_t max_frequency = 15;

  explicit frequency_sketch(size_t capacity = 64);

  /// Grows the table to hold `capacity` entries; a no-op when it already
  /// does. Growing resets every counter.
  void ensure_capacity(size_t capacity);

  /// Counts one occurrence of `hash`.
  void increment(uint64_t hash);

  /// The estimated recent occurrences of `hash` (0..15); never less than
  /// the true count since the last aging, unless saturated.
  uint32_t frequency(uint64_t hash) const;

  /// Entries the table is sized for.
  size_t capacity() const noexcept {
    return table_.size();
  }

  /// Heap bytes the table uses.
  size_t memory_bytes() const noexcept {
    return table_.capacity() * sizeof(uint64_t);
  }

  /// Increments until the next aging.
  size_t sample_size() const noexcept {
    return sample_size_;
  }

  /// Halvings so far (for tests).
  size_t agings() const noexcept {
    return agings_;
  }

 private:
  /// The word index and nibble of counter `i` (0..3) of `hash`.
  void locate(uint64_t hash, int i, size_t& word, unsigned& shift) const;

  void age();

  std::vector<uint64_t> table_;
  size_t block_mask_ = 0;
  size_t sample_size_ = 0;
  size_t additions_ = 0;
  size_t agings_ = 0;
};

} // namespace troupe::cache
