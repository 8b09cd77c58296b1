#include "actors/cache/cache_digest.hpp"
#include "cluster/shard_ring.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using troupe::cache::cache_digest;
using troupe::cluster::local_ring;

TEST(ShardRing, JumpHashStaysInRangeAndSpreadsEvenly) {
  std::vector<int> counts(8, 0);
  for (int i = 0; i < 8000; ++i) {
    auto b = troupe::cluster::local_ring::jump_hash(
      troupe::cache::cache_digest("s", "1", std::to_string(i)).w1, 8);
    ASSERT_LT(b, 8u);
    ++counts[b];
  }
  for (auto n : counts) {
    EXPECT_GT(n, 800);
    EXPECT_LT(n, 1200);
  }
}

TEST(ShardRing, GrowingMovesOnlyTheKeysOfTheNewShard) {
  int moved = 0;
  for (int i = 0; i < 10'000; ++i) {
    auto h = troupe::cache::cache_digest("s", "1", std::to_string(i)).w1;
    auto before = troupe::cluster::local_ring::jump_hash(h, 4);
    auto after = troupe::cluster::local_ring::jump_hash(h, 5);
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, 4u) << "a key moved between old shards";
    }
  }
  // About a fifth of the keys belong to the fifth shard.
  EXPECT_GT(moved, 1500);
  EXPECT_LT(moved, 2500);
}

TEST(ShardRing, OneShardOwnsEverything) {
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(troupe::cluster::local_ring::jump_hash(
                static_cast<uint64_t>(i) * 7919, 1),
              0u);
}

TEST(ShardRing, IsStableForAKey) {
  // Routing must agree between processes: a pure function of the key.
  auto h = troupe::cache::cache_digest("sha256", "1", "abc").w1;
  EXPECT_EQ(troupe::cluster::local_ring::jump_hash(h, 16),
            troupe::cluster::local_ring::jump_hash(h, 16));
  EXPECT_EQ(troupe::cluster::local_ring::jump_hash(0x0123456789abcdefULL, 16),
            troupe::cluster::local_ring::jump_hash(0x0123456789abcdefULL, 16));
}

} // namespace
