#include "actors/cache/cache_digest.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

namespace {

using troupe::cache::cache_digest;

TEST(CacheDigest, IsStableAcrossRunsAndBuilds) {
  // The key travels between nodes: its value is part of the wire contract.
  // Pinned from an independent implementation of the definition (Python's
  // hashlib: SHA-256 over the tag "troupe.cache.v1\0", then each field
  // prefixed by its length as 8 little-endian bytes).
  auto k = troupe::cache::cache_digest("sha256", "1", "abc");
  EXPECT_EQ(
    troupe::cache::to_hex(k),
    troupe::cache::to_hex(troupe::cache::cache_digest("sha256", "1", "abc")));
  EXPECT_EQ(troupe::cache::to_hex(k).size(), 64u);
  EXPECT_EQ(troupe::cache::to_hex(k),
            "12baf228a9008de94886b9d5019f101e221d8abd9309fb236d431747ea6ce60e");
}

TEST(CacheDigest, EveryFieldCounts) {
  auto base = troupe::cache::cache_digest("s", "1", "in");
  EXPECT_NE(base, troupe::cache::cache_digest("t", "1", "in"));
  EXPECT_NE(base, troupe::cache::cache_digest("s", "2", "in"));
  EXPECT_NE(base, troupe::cache::cache_digest("s", "1", "iN"));
}

TEST(CacheDigest, FieldBoundariesAreUnambiguous) {
  // Plain concatenation would make these equal.
  EXPECT_NE(troupe::cache::cache_digest("ab", "1", "c"),
            troupe::cache::cache_digest("a", "1", "bc"));
  EXPECT_NE(troupe::cache::cache_digest("a", "1b", ""),
            troupe::cache::cache_digest("a", "1", "b"));
  EXPECT_NE(troupe::cache::cache_digest("", "", ""),
            troupe::cache::cache_digest("", "", std::string(1, 0)));
}

TEST(CacheDigest, HashSpreadsOverShards) {
  std::unordered_set<uint64_t> seen;
  size_t per_shard[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4000; ++i) {
    auto k = troupe::cache::cache_digest("wordcount", "1", std::to_string(i));
    seen.insert(k.hash());
    ++per_shard[k.hash() % 4];
  }
  EXPECT_EQ(seen.size(), 4000u);
  for (auto n : per_shard) {
    EXPECT_GT(n, 850u);
    EXPECT_LT(n, 1150u);
  }
}

} // namespace
