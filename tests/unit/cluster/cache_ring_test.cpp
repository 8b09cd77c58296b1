#include "actors/cache/cache_digest.hpp"
#include "cluster/cache_ring.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace {

using troupe::cache_key;
using troupe::member;
using troupe::member_status;
using troupe::skill_load;
using troupe::cluster::cache_ring;

member node(std::string name, bool caches_sha = true,
            member_status status = member_status::up) {
  member m;
  m.name = std::move(name);
  m.status = status;
  skill_load s;
  s.name = "sha256";
  s.cached = caches_sha;
  s.version = "1";
  m.skills.push_back(s);
  return m;
}

cache_key key(int i) {
  return troupe::cache::cache_digest("sha256", "1",
                                     "input-" + std::to_string(i));
}

// Owner names of keys 0..n-1.
std::vector<std::string> owners(const std::vector<member>& ms, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    auto* o = troupe::cluster::cache_ring::owner(ms, "sha256", key(i));
    out.push_back(o == nullptr ? "" : o->name);
  }
  return out;
}

} // namespace

TEST(CacheRing, NoOwnerWithoutAMemberCachingTheSkill) {
  std::vector<member> ms{node("a", false), node("b", false)};
  EXPECT_EQ(troupe::cluster::cache_ring::owner(ms, "sha256", key(1)), nullptr);
  EXPECT_EQ(troupe::cluster::cache_ring::owner(ms, "echo", key(1)), nullptr);
  EXPECT_EQ(troupe::cluster::cache_ring::cached_skill(ms, "sha256"), nullptr);
}

TEST(CacheRing, OnlyUpMembersCachingTheSkillOwnKeys) {
  std::vector<member> ms{node("a", false), node("b"),
                         node("c", true, member_status::down),
                         node("d", true, member_status::joining),
                         node("e", true, member_status::leaving)};
  for (auto& o : owners(ms, 200))
    EXPECT_EQ(o, "b");
  ASSERT_NE(troupe::cluster::cache_ring::cached_skill(ms, "sha256"), nullptr);
  EXPECT_EQ(troupe::cluster::cache_ring::cached_skill(ms, "sha256")->version,
            "1");
}

TEST(CacheRing, EveryNodeComputesTheSameOwnerWhateverTheOrder) {
  std::vector<member> ms{node("a"), node("b"), node("c")};
  auto reversed = ms;
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(owners(ms, 500), owners(reversed, 500));
}

TEST(CacheRing, KeysSpreadOverTheOwners) {
  std::vector<member> ms{node("a"), node("b"), node("c")};
  std::map<std::string, int> per_owner;
  for (auto& o : owners(ms, 3000))
    ++per_owner[o];
  ASSERT_EQ(per_owner.size(), 3u);
  for (auto& [name, n] : per_owner)
    EXPECT_GT(n, 700) << name << " owns too few keys";
}

TEST(CacheRing, LosingAMemberMovesOnlyItsKeys) {
  std::vector<member> ms{node("a"), node("b"), node("c")};
  auto before = owners(ms, 2000);
  ms[1].status = member_status::down;
  auto after = owners(ms, 2000);
  size_t moved = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i] == "b") {
      EXPECT_NE(after[i], "b");
      ++moved;
    } else {
      EXPECT_EQ(after[i], before[i]) << "key " << i << " moved needlessly";
    }
  }
  EXPECT_GT(moved, 0u);
}

TEST(CacheRing, AJoiningMemberTakesKeysOnlyForItself) {
  std::vector<member> ms{node("a"), node("b")};
  auto before = owners(ms, 2000);
  ms.push_back(node("c"));
  auto after = owners(ms, 2000);
  size_t taken = 0;
  for (size_t i = 0; i < before.size(); ++i)
    if (after[i] != before[i]) {
      EXPECT_EQ(after[i], "c");
      ++taken;
    }
  EXPECT_GT(taken, 0u);
}
