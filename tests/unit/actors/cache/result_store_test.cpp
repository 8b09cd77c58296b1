#include "actors/cache/cache_digest.hpp"
#include "actors/cache/result_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::cache_key;
using troupe::job_status;
using troupe::cache::cache_digest;
using troupe::cache::result_store;
using outcome = troupe::cache::result_store::insert_outcome;

cache_key key(int i) {
  return troupe::cache::cache_digest("test", "1", std::to_string(i));
}

// A store whose clock only moves when the test says so.
class ResultStore : public ::testing::Test {
 public:
  troupe::cache::result_store::time_point now{std::chrono::hours(1000)};

  /// A budget that holds exactly `n` entries of `value_size` bytes.
  static uint64_t room_for(uint64_t n, uint64_t value_size = 10) {
    return n * troupe::cache::result_store::charge(value_size);
  }

  outcome put(troupe::cache::result_store& s, int i,
              std::string value = "0123456789",
              std::chrono::seconds ttl = 60s) {
    return s.insert(key(i), job_status::ok, value, now + ttl, now);
  }

  bool has(troupe::cache::result_store& s, int i) {
    return s.find(key(i), now).has_value();
  }
};

TEST_F(ResultStore, StoresAndFindsResults) {
  troupe::cache::result_store s{{room_for(10), true}};
  EXPECT_FALSE(has(s, 1));
  EXPECT_EQ(put(s, 1, "one"), outcome::stored);
  auto f = s.find(key(1), now);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->value, "one");
  EXPECT_EQ(f->status, job_status::ok);
  EXPECT_EQ(f->expires, now + 60s);
  EXPECT_EQ(s.counters().hits, 1u);
  EXPECT_EQ(s.counters().misses, 1u);
  EXPECT_EQ(s.counters().entries, 1u);
  EXPECT_EQ(s.counters().bytes, troupe::cache::result_store::charge(3));
}

TEST_F(ResultStore, KeepsFailuresWithTheirStatusAndEmptyValues) {
  troupe::cache::result_store s{{room_for(10), true}};
  s.insert(key(1), job_status::skill_error, "it broke", now + 1s, now);
  s.insert(key(2), job_status::ok, "", now + 1s, now);
  auto f = s.find(key(1), now);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->status, job_status::skill_error);
  EXPECT_EQ(f->value, "it broke");
  auto e = s.find(key(2), now);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->value.empty());
}

TEST_F(ResultStore, EvictsInLeastRecentlyUsedOrder) {
  troupe::cache::result_store s{{room_for(3), false}};
  put(s, 1);
  put(s, 2);
  put(s, 3);
  EXPECT_EQ(s.keys_by_recency(),
            (std::vector<cache_key>{key(3), key(2), key(1)}));
  // Touching 1 makes 2 the least recently used.
  EXPECT_TRUE(has(s, 1));
  EXPECT_EQ(s.keys_by_recency(),
            (std::vector<cache_key>{key(1), key(3), key(2)}));
  put(s, 4);
  EXPECT_EQ(s.keys_by_recency(),
            (std::vector<cache_key>{key(4), key(1), key(3)}));
  EXPECT_EQ(s.counters().evicted_size, 1u);
  EXPECT_FALSE(has(s, 2));
}

TEST_F(ResultStore, ExpiresEntriesAtTheirTtl) {
  troupe::cache::result_store s{{room_for(10), true}};
  put(s, 1, "x", 10s);
  put(s, 2, "y", 30s);
  now += 9s;
  EXPECT_TRUE(has(s, 1));
  now += 1s; // exactly at expiry: gone
  EXPECT_FALSE(has(s, 1));
  EXPECT_TRUE(has(s, 2));
  EXPECT_EQ(s.counters().evicted_ttl, 1u);
  EXPECT_EQ(s.counters().entries, 1u);
  EXPECT_EQ(s.counters().bytes, troupe::cache::result_store::charge(1));
}

TEST_F(ResultStore, SweepRemovesExpiredEntriesWithoutLookups) {
  troupe::cache::result_store s{{room_for(100), true}};
  for (int i = 0; i < 50; ++i)
    put(s, i, "v", i < 20 ? 5s : 50s);
  now += 6s;
  size_t removed = 0;
  // A bounded hand: several small sweeps cover the slab.
  for (int round = 0; round < 10; ++round)
    removed += s.sweep(now, 8);
  EXPECT_EQ(removed, 20u);
  EXPECT_EQ(s.counters().entries, 30u);
  EXPECT_EQ(s.counters().evicted_ttl, 20u);
  EXPECT_EQ(s.counters().bytes, 30 * troupe::cache::result_store::charge(1));
  EXPECT_EQ(s.sweep(now, 1000), 0u);
}

TEST_F(ResultStore, ExpiredEntriesMakeRoomFirstEvenWhenHot) {
  troupe::cache::result_store s{{room_for(2), true}};
  put(s, 1, "0123456789", 5s);
  for (int i = 0; i < 10; ++i)
    has(s, 1);
  put(s, 2);
  now += 5s;
  // A cold new key may take the expired hot entry's place.
  EXPECT_EQ(put(s, 3), outcome::stored);
  EXPECT_TRUE(has(s, 2));
  EXPECT_TRUE(has(s, 3));
  EXPECT_EQ(s.counters().evicted_ttl, 1u);
  EXPECT_EQ(s.counters().evicted_size, 0u);
}

TEST_F(ResultStore, ByteBudgetIsNeverExceeded) {
  auto budget = uint64_t{20'000};
  troupe::cache::result_store s{{budget, true}};
  std::mt19937_64 rng{7};
  std::uniform_int_distribution<int> keys{0, 499};
  std::uniform_int_distribution<size_t> sizes{0, 2000};
  for (int i = 0; i < 20'000; ++i) {
    auto k = keys(rng);
    if (!s.find(key(k), now))
      s.insert(key(k), job_status::ok, std::string(sizes(rng), 'v'),
               now + std::chrono::seconds(1 + k % 7), now);
    ASSERT_LE(s.counters().bytes, budget) << "after request " << i;
    if (i % 1000 == 0)
      now += 1s;
  }
  // The counters agree with what is actually stored.
  EXPECT_EQ(s.keys_by_recency().size(), s.counters().entries);
  EXPECT_GT(s.counters().evicted_size + s.counters().rejected_admission, 0u);
}

TEST_F(ResultStore, RejectsAnEntryLargerThanTheBudget) {
  troupe::cache::result_store s{{room_for(2, 100), true}};
  put(s, 1);
  auto big = std::string(2 * troupe::cache::result_store::charge(100), 'x');
  EXPECT_EQ(put(s, 2, big), outcome::too_large);
  EXPECT_TRUE(has(s, 1));
  EXPECT_FALSE(has(s, 2));
  EXPECT_EQ(s.counters().rejected_too_large, 1u);
}

TEST_F(ResultStore, AdmissionRejectsAOneOffKeyThatWouldEvictAHotOne) {
  troupe::cache::result_store s{{room_for(2), true}};
  // Two hot keys, read often.
  put(s, 1);
  put(s, 2);
  for (int i = 0; i < 5; ++i) {
    has(s, 1);
    has(s, 2);
  }
  // A one-off key: looked up once (a miss), then offered.
  EXPECT_FALSE(has(s, 3));
  EXPECT_EQ(put(s, 3), outcome::rejected_admission);
  EXPECT_TRUE(has(s, 1));
  EXPECT_TRUE(has(s, 2));
  EXPECT_FALSE(has(s, 3));
  EXPECT_EQ(s.counters().rejected_admission, 1u);
  EXPECT_EQ(s.counters().evicted_size, 0u);
}

TEST_F(ResultStore, AdmissionLetsAKeyInOnceItIsHotterThanTheVictim) {
  troupe::cache::result_store s{{room_for(2), true}};
  put(s, 1);
  put(s, 2);
  has(s, 1);
  has(s, 2);
  // Key 3 becomes popular: after enough misses it outranks the victim.
  for (int i = 0; i < 3; ++i)
    has(s, 3);
  EXPECT_EQ(put(s, 3), outcome::stored);
  EXPECT_TRUE(has(s, 3));
  EXPECT_EQ(s.counters().evicted_size, 1u);
}

TEST_F(ResultStore, PlainLruAdmitsEverything) {
  troupe::cache::result_store s{{room_for(2), false}};
  put(s, 1);
  put(s, 2);
  for (int i = 0; i < 5; ++i) {
    has(s, 1);
    has(s, 2);
  }
  EXPECT_EQ(put(s, 3), outcome::stored);
  EXPECT_TRUE(has(s, 3));
}

TEST_F(ResultStore, ReplacingKeepsTheEntryAndUpdatesBytes) {
  troupe::cache::result_store s{{room_for(3, 10), true}};
  put(s, 1, "short", 10s);
  now += 5s;
  EXPECT_EQ(s.insert(key(1), job_status::ok, "a longer value", now + 10s, now),
            outcome::replaced);
  auto f = s.find(key(1), now);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->value, "a longer value");
  EXPECT_EQ(f->expires, now + 10s);
  EXPECT_EQ(s.counters().entries, 1u);
  EXPECT_EQ(s.counters().bytes, troupe::cache::result_store::charge(14));
  EXPECT_EQ(s.counters().replaced, 1u);
}

TEST_F(ResultStore, ReplacingWithALargerValueEvictsOthersNotItself) {
  troupe::cache::result_store s{{room_for(3, 10), true}};
  put(s, 1);
  put(s, 2);
  put(s, 3);
  for (int i = 0; i < 5; ++i)
    has(s, 2);
  // Key 1 is least recently used; replacing it with a value needing the
  // room of two entries pushes out the next victims instead.
  auto value = std::string(10 + troupe::cache::result_store::charge(10), 'x');
  EXPECT_EQ(s.insert(key(1), job_status::ok, value, now + 60s, now),
            outcome::replaced);
  EXPECT_TRUE(has(s, 1));
  EXPECT_LE(s.counters().bytes, s.budget());
  EXPECT_EQ(s.counters().entries, 2u);
}

TEST_F(ResultStore, EraseRemovesAnEntry) {
  troupe::cache::result_store s{{room_for(3), true}};
  put(s, 1);
  EXPECT_TRUE(s.erase(key(1)));
  EXPECT_FALSE(s.erase(key(1)));
  EXPECT_FALSE(has(s, 1));
  EXPECT_EQ(s.counters().entries, 0u);
  EXPECT_EQ(s.counters().bytes, 0u);
}

TEST_F(ResultStore, ManyEntriesSurviveIndexGrowthAndSlotReuse) {
  troupe::cache::result_store s{{room_for(5000), false}};
  for (int i = 0; i < 20'000; ++i)
    put(s, i);
  EXPECT_EQ(s.counters().entries, 5000u);
  for (int i = 15'000; i < 20'000; ++i)
    ASSERT_TRUE(has(s, i)) << i;
  for (int i = 0; i < 15'000; i += 97)
    ASSERT_FALSE(has(s, i)) << i;
  for (int i = 15'000; i < 17'000; ++i)
    ASSERT_TRUE(s.erase(key(i)));
  for (int i = 17'000; i < 20'000; ++i)
    ASSERT_TRUE(has(s, i)) << i;
}

} // namespace
