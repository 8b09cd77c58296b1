#pragma once

#include <caf/meta/type_name.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace troupe {

/// The identity of a cacheable job: the SHA-256 digest of (skill, skill
/// version, input) as four big-endian 64-bit words (see
/// `actors/cache/cache_digest.hpp`). Equal on every node and in every process,
/// so a key can be routed to its owner anywhere in a cluster.
struct cache_key {
  uint64_t w0 = 0;
  uint64_t w1 = 0;
  uint64_t w2 = 0;
  uint64_t w3 = 0;

  /// A well-mixed 64-bit hash (the digest is uniform already).
  uint64_t hash() const noexcept {
    return w0;
  }

  friend bool operator==(const cache_key& x, const cache_key& y) noexcept {
    return x.w0 == y.w0 && x.w1 == y.w1 && x.w2 == y.w2 && x.w3 == y.w3;
  }

  friend bool operator!=(const cache_key& x, const cache_key& y) noexcept {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_key& x) {
  return f(caf::meta::type_name("cache_key"), x.w0, x.w1, x.w2, x.w3);
}

} // namespace troupe

template <>
struct std::hash<troupe::cache_key> {
  size_t operator()(const troupe::cache_key& x) const noexcept {
    return static_cast<size_t>(x.hash());
  }
};
