#pragma once

#include "messages/cache_key.hpp"
#include "messages/member.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::cluster {

/// Which member of a cluster owns a cache key: rendezvous (highest random
/// weight) hashing over the up members that cache the key's skill. Every
/// node computes the same owner from the same view, so identical jobs
/// submitted anywhere meet in one cache shard and run once; when a member
/// joins or leaves, only the keys it wins or owned move. Owners are limited
/// to members caching the skill because they must know its cache policy and
/// run its misses themselves. Plain logic over a view.
class cache_ring {
 public:
  /// The member owning `key` of `skill`, or null when no up member caches
  /// the skill.
  static const member* owner(const std::vector<member>& members,
                             std::string_view skill, const cache_key& key);

  /// The record of `skill` on the first up member caching it (its version
  /// keys the skill's jobs on nodes that do not offer it), or null.
  static const skill_load* cached_skill(const std::vector<member>& members,
                                        std::string_view skill);

  /// The weight of `member_name` for `key`; the highest weight owns it.
  static uint64_t weight(std::string_view member_name,
                         const cache_key& key) noexcept;
};

} // namespace troupe::cluster
