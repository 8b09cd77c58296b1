#pragma once

#include <cstdint>
#include <string_view>

namespace troupe::base {

/// The 64-bit finalizer of SplitMix64: every input bit affects every output
/// bit, so hashes derived from one value land on independent positions.
constexpr uint64_t mix64(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// FNV-1a over `str`: a cheap, stable hash of short names.
constexpr uint64_t fnv1a64(std::string_view str) noexcept {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (auto c : str) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

} // namespace troupe::base
