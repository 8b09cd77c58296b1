#include "actors/cache/frequency_sketch.hpp"

#include "actors/base/hash_mix.hpp"

#include <algorithm>

namespace troupe::cache {

namespace {

// Words per block: 8 × 8 bytes = one 64-byte cache line.
constexpr size_t block_words = 8;

size_t ceil_pow2(size_t x) {
  size_t n = 1;
  while (n < x)
    n <<= 1;
  return n;
}

} // namespace

frequency_sketch::frequency_sketch(size_t capacity) {
  ensure_capacity(capacity);
}

void frequency_sketch::ensure_capacity(size_t capacity) {
  auto words = std::max(ceil_pow2(std::max<size_t>(capacity, 1)), block_words);
  if (words <= table_.size())
    return;
  table_.assign(words, 0);
  table_.shrink_to_fit();
  block_mask_ = words / block_words - 1;
  sample_size_ = 10 * words;
  additions_ = 0;
}

void frequency_sketch::locate(uint64_t hash, int i, size_t& word,
                              unsigned& shift) const {
  // The block comes from the low bits of the spread hash; within the block
  // counter i lives in word 2i or 2i+1 (never sharing a word with another
  // counter of the same key), at a nibble picked from the high bits.
  auto h = base::mix64(hash);
  auto block = static_cast<size_t>(h) & block_mask_;
  auto bits = h >> 32;
  auto in_block = static_cast<size_t>(2 * i + ((bits >> i) & 1));
  word = block * block_words + in_block;
  shift = static_cast<unsigned>(((bits >> (8 + 4 * i)) & 15) << 2);
}

void frequency_sketch::increment(uint64_t hash) {
  bool added = false;
  for (int i = 0; i < 4; ++i) {
    size_t word;
    unsigned shift;
    locate(hash, i, word, shift);
    auto mask = uint64_t{15} << shift;
    if ((table_[word] & mask) != mask) {
      table_[word] += uint64_t{1} << shift;
      added = true;
    }
  }
  if (added && ++additions_ >= sample_size_)
    age();
}

uint32_t frequency_sketch::frequency(uint64_t hash) const {
  uint32_t out = max_frequency;
  for (int i = 0; i < 4; ++i) {
    size_t word;
    unsigned shift;
    locate(hash, i, word, shift);
    out = std::min(out, static_cast<uint32_t>((table_[word] >> shift) & 15));
  }
  return out;
}

void frequency_sketch::age() {
  // Halves every nibble at once: shift the word, then clear the bit each
  // nibble received from its upper neighbour.
  for (auto& w : table_)
    w = (w >> 1) & 0x7777777777777777ULL;
  additions_ /= 2;
  ++agings_;
}

} // namespace troupe::cache
