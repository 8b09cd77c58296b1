#include "cluster/cache_ring.hpp"

#include "actors/base/hash_mix.hpp"

namespace troupe::cluster {

namespace {

const skill_load* find_cached(const member& m, std::string_view skill) {
  if (m.status != member_status::up)
    return nullptr;
  for (auto& s : m.skills)
    if (s.cached && s.name == skill)
      return &s;
  return nullptr;
}

} // namespace

uint64_t cache_ring::weight(std::string_view member_name,
                            const cache_key& key) noexcept {
  // The digest's third word: the first two already pick the entry's slot
  // and shard inside a node, so reusing them would skew those.
  return base::mix64(base::fnv1a64(member_name) ^ key.w2);
}

const member* cache_ring::owner(const std::vector<member>& members,
                                std::string_view skill, const cache_key& key) {
  const member* best = nullptr;
  uint64_t best_weight = 0;
  for (auto& m : members) {
    if (find_cached(m, skill) == nullptr)
      continue;
    auto w = weight(m.name, key);
    // Ties (practically never) go to the name that sorts first, like
    // everywhere else in placement.
    if (best == nullptr || w > best_weight
        || (w == best_weight && m.name < best->name)) {
      best = &m;
      best_weight = w;
    }
  }
  return best;
}

const skill_load* cache_ring::cached_skill(const std::vector<member>& members,
                                           std::string_view skill) {
  for (auto& m : members)
    if (auto* s = find_cached(m, skill))
      return s;
  return nullptr;
}

} // namespace troupe::cluster
