// The cache's message types: CAF round trips, the wire, and merging the
// figures of several shards.
#include "actors/cache/cache_digest.hpp"
#include "messages/cache_status.hpp"
#include "messages/errors.hpp"
#include "messages/node_status.hpp"
#include "messages/wire/api_codec.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <gtest/gtest.h>

#include <variant>
#include <vector>

namespace {

using troupe::cache_key;
using troupe::cache_status;
using troupe::skill_hits;

template <class T>
T round_trip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  EXPECT_FALSE(sink(x));
  T y;
  caf::binary_deserializer source{nullptr, buf};
  EXPECT_FALSE(source(y));
  return y;
}

cache_status sample() {
  cache_status x;
  x.shards = 2;
  x.hits = 11;
  x.misses = 12;
  x.coalesced = 13;
  x.bypassed = 14;
  x.refreshed = 15;
  x.entries = 16;
  x.bytes = 17;
  x.budget = 18;
  x.evicted_size = 19;
  x.evicted_ttl = 20;
  x.rejected_admission = 21;
  x.rejected_too_large = 22;
  x.refresh_aheads = 23;
  x.in_flight = 24;
  x.skills = {skill_hits{"sha256", 9, 1}, skill_hits{"wordcount", 2, 11}};
  return x;
}

void expect_same(const cache_status& a, const cache_status& b) {
  EXPECT_EQ(a.shards, b.shards);
  EXPECT_EQ(a.hits, b.hits);
  EXPECT_EQ(a.misses, b.misses);
  EXPECT_EQ(a.coalesced, b.coalesced);
  EXPECT_EQ(a.bypassed, b.bypassed);
  EXPECT_EQ(a.refreshed, b.refreshed);
  EXPECT_EQ(a.entries, b.entries);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.budget, b.budget);
  EXPECT_EQ(a.evicted_size, b.evicted_size);
  EXPECT_EQ(a.evicted_ttl, b.evicted_ttl);
  EXPECT_EQ(a.rejected_admission, b.rejected_admission);
  EXPECT_EQ(a.rejected_too_large, b.rejected_too_large);
  EXPECT_EQ(a.refresh_aheads, b.refresh_aheads);
  EXPECT_EQ(a.in_flight, b.in_flight);
  ASSERT_EQ(a.skills.size(), b.skills.size());
  for (size_t i = 0; i < a.skills.size(); ++i) {
    EXPECT_EQ(a.skills[i].skill, b.skills[i].skill);
    EXPECT_EQ(a.skills[i].hits, b.skills[i].hits);
    EXPECT_EQ(a.skills[i].misses, b.skills[i].misses);
  }
}

TEST(CacheMessages, KeyRoundTrip) {
  auto k = troupe::cache::cache_digest("sha256", "1", "abc");
  EXPECT_EQ(round_trip(k), k);
}

TEST(CacheMessages, StatusRoundTrip) {
  expect_same(round_trip(sample()), sample());
}

TEST(CacheMessages, StatusTravelsInNodeStatusOverTheWire) {
  troupe::node_status st;
  st.name = "n";
  st.cache = sample();
  troupe::v1::NodeStatus wire;
  troupe::wire::api::to_proto(st, wire);
  auto out = troupe::wire::api::from_proto(wire);
  expect_same(out.cache, st.cache);
}

TEST(CacheMessages, NodeWithoutCacheSendsNone) {
  troupe::node_status st;
  st.name = "n";
  troupe::v1::NodeStatus wire;
  troupe::wire::api::to_proto(st, wire);
  EXPECT_FALSE(wire.has_cache());
  EXPECT_EQ(troupe::wire::api::from_proto(wire).cache.shards, 0u);
}

TEST(CacheMessages, MergeAddsFiguresAndRanksSkillsByHits) {
  cache_status sum;
  cache_status a;
  a.shards = 1;
  a.hits = 5;
  a.budget = 100;
  a.skills = {skill_hits{"x", 3, 1}, skill_hits{"y", 2, 0}};
  cache_status b;
  b.shards = 1;
  b.hits = 4;
  b.budget = 100;
  b.skills = {skill_hits{"y", 4, 2}, skill_hits{"a", 0, 7}};
  troupe::merge_into(sum, a);
  troupe::merge_into(sum, b);
  EXPECT_EQ(sum.shards, 2u);
  EXPECT_EQ(sum.hits, 9u);
  EXPECT_EQ(sum.budget, 200u);
  ASSERT_EQ(sum.skills.size(), 3u);
  EXPECT_EQ(sum.skills[0].skill, "y");
  EXPECT_EQ(sum.skills[0].hits, 6u);
  EXPECT_EQ(sum.skills[0].misses, 2u);
  EXPECT_EQ(sum.skills[1].skill, "x");
  EXPECT_EQ(sum.skills[2].skill, "a");
}

} // namespace
