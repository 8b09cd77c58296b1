#include "actors/cache/frequency_sketch.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

using troupe::cache::frequency_sketch;

TEST(FrequencySketch, CountsOccurrencesOfAKey) {
  troupe::cache::frequency_sketch s{1024};
  EXPECT_EQ(s.frequency(42), 0u);
  for (int i = 0; i < 5; ++i)
    s.increment(42);
  EXPECT_EQ(s.frequency(42), 5u);
  EXPECT_EQ(s.frequency(43), 0u);
}

TEST(FrequencySketch, SaturatesAtFifteen) {
  troupe::cache::frequency_sketch s{1024};
  for (int i = 0; i < 100; ++i)
    s.increment(7);
  EXPECT_EQ(s.frequency(7), troupe::cache::frequency_sketch::max_frequency);
}

TEST(FrequencySketch, NeverUnderestimatesBeforeAging) {
  troupe::cache::frequency_sketch s{4096};
  // 1,000 keys seen 1..3 times: well below the sample size, no aging.
  for (uint64_t k = 0; k < 1000; ++k)
    for (uint64_t n = 0; n <= k % 3; ++n)
      s.increment(k * 0x9e3779b97f4a7c15ULL);
  ASSERT_EQ(s.agings(), 0u);
  for (uint64_t k = 0; k < 1000; ++k)
    EXPECT_GE(s.frequency(k * 0x9e3779b97f4a7c15ULL), k % 3 + 1) << k;
}

TEST(FrequencySketch, SeparatesHotFromColdKeys) {
  troupe::cache::frequency_sketch s{1024};
  for (int round = 0; round < 10; ++round)
    for (uint64_t hot = 0; hot < 10; ++hot)
      s.increment(hot);
  for (uint64_t cold = 1000; cold < 1500; ++cold)
    s.increment(cold);
  uint32_t hot_min = 15;
  for (uint64_t hot = 0; hot < 10; ++hot)
    hot_min = std::min(hot_min, s.frequency(hot));
  uint32_t cold_high = 0;
  for (uint64_t cold = 1000; cold < 1500; ++cold)
    cold_high += s.frequency(cold) > 2 ? 1 : 0;
  EXPECT_GE(hot_min, 9u);
  // Collisions may lift a few one-off keys, never many.
  EXPECT_LT(cold_high, 10u);
}

TEST(FrequencySketch, AgingHalvesCounts) {
  troupe::cache::frequency_sketch s{8};
  for (int i = 0; i < 8; ++i)
    s.increment(99);
  EXPECT_EQ(s.frequency(99), 8u);
  // Fill up the sample with other keys until the sketch ages once.
  uint64_t k = 1;
  while (s.agings() == 0)
    s.increment(1000 + k++);
  EXPECT_LE(s.frequency(99), 4u);
  EXPECT_GE(s.frequency(99), 3u);
}

TEST(FrequencySketch, UsesEightBytesPerEntry) {
  troupe::cache::frequency_sketch s{100'000};
  EXPECT_EQ(s.capacity(), 131'072u); // the next power of two
  EXPECT_EQ(s.memory_bytes(), 131'072u * 8);
  EXPECT_EQ(s.sample_size(), 10u * 131'072u);
}

TEST(FrequencySketch, GrowingResetsAndKeepsSmallerRequests) {
  troupe::cache::frequency_sketch s{64};
  s.increment(5);
  s.ensure_capacity(32);
  EXPECT_EQ(s.capacity(), 64u);
  EXPECT_EQ(s.frequency(5), 1u);
  s.ensure_capacity(1000);
  EXPECT_EQ(s.capacity(), 1024u);
  EXPECT_EQ(s.frequency(5), 0u);
}

} // namespace
