#pragma once

#include "messages/cache_key.hpp"
#include "messages/interfaces.hpp"

#include <memory>
#include <vector>

namespace troupe::cluster {

/// Decides which cache shard owns a key. The router asks it for every job
/// of a cached skill, so the same routing code serves one node (its local
/// shards) and a cluster (shards on the key's owner node). Implementations
/// are immutable once built and safe to share between actors.
class shard_ring {
 public:
  virtual ~shard_ring();

  /// The shard that owns `key`.
  virtual const cache_shard_actor& owner(const cache_key& key) const = 0;

  /// The shards of this node (for status).
  virtual const std::vector<cache_shard_actor>& local_shards() const = 0;
};

using shard_ring_ptr = std::shared_ptr<const shard_ring>;

/// The ring of a single node: its shards only. Keys are spread by jump
/// consistent hashing of the digest's second word (the first one already
/// indexes entries inside a shard, so sharing it would leave a shard's
/// table with constant low bits), which moves only 1/S of the keys when the
/// shard count changes.
class local_ring : public shard_ring {
 public:
  /// `shards` must not be empty.
  explicit local_ring(std::vector<cache_shard_actor> shards);

  const cache_shard_actor& owner(const cache_key& key) const override;

  const std::vector<cache_shard_actor>& local_shards() const override {
    return shards_;
  }

  /// The index in [0, buckets) that jump consistent hashing gives `hash`.
  static uint32_t jump_hash(uint64_t hash, uint32_t buckets) noexcept;

 private:
  std::vector<cache_shard_actor> shards_;
};

} // namespace troupe::cluster
