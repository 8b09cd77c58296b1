#include "cluster/shard_ring.hpp"

namespace troupe::cluster {

shard_ring::~shard_ring() = default;

local_ring::local_ring(std::vector<cache_shard_actor> shards)
    : shards_(std::move(shards)) {
  // nop
}

const cache_shard_actor& local_ring::owner(const cache_key& key) const {
  return shards_[jump_hash(key.w1, static_cast<uint32_t>(shards_.size()))];
}

uint32_t local_ring::jump_hash(uint64_t hash, uint32_t buckets) noexcept {
  // Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm".
  int64_t b = -1;
  int64_t j = 0;
  while (j < static_cast<int64_t>(buckets)) {
    b = j;
    hash = hash * 2862933555777941757ULL + 1;
    j = static_cast<int64_t>(static_cast<double>(b + 1)
                             * (static_cast<double>(1LL << 31)
                                / static_cast<double>((hash >> 33) + 1)));
  }
  return static_cast<uint32_t>(b);
}

} // namespace troupe::cluster
