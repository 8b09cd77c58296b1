#include "actors/cache/cache_digest.hpp"

#include "actors/base/sha256.hpp"

#include <array>

namespace troupe::cache {

namespace {

// Domain tag: a new encoding gets a new tag, so keys never mix across it.
constexpr std::string_view key_domain{"troupe.cache.v1", 16};

void put_length(base::sha256& h, size_t n) {
  std::array<char, 8> buf;
  for (int i = 0; i < 8; ++i)
    buf[i] = static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  h.update(std::string_view{buf.data(), buf.size()});
}

uint64_t word(const std::array<uint8_t, 32>& d, size_t i) {
  uint64_t out = 0;
  for (size_t k = 0; k < 8; ++k)
    out = (out << 8) | d[8 * i + k];
  return out;
}

} // namespace

cache_key cache_digest(std::string_view skill, std::string_view version,
                       std::string_view input) {
  base::sha256 h;
  h.update(key_domain);
  put_length(h, skill.size());
  h.update(skill);
  put_length(h, version.size());
  h.update(version);
  put_length(h, input.size());
  h.update(input);
  auto d = h.finish();
  return cache_key{word(d, 0), word(d, 1), word(d, 2), word(d, 3)};
}

std::string to_hex(const cache_key& key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (auto w : {key.w0, key.w1, key.w2, key.w3})
    for (int shift = 60; shift >= 0; shift -= 4)
      out += digits[(w >> shift) & 15];
  return out;
}

} // namespace troupe::cache
