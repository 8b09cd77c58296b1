#include "actors/base/sha256.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using troupe::base::sha256;

std::string to_hex(const std::array<uint8_t, 32>& digest) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : digest) {
    out += hex[b >> 4];
    out += hex[b & 0x0F];
  }
  return out;
}

// A deterministic, non-repeating test input (so chunking bugs cannot hide
// behind a periodic pattern).
std::string pseudo_random_bytes(size_t n) {
  std::string out;
  out.reserve(n);
  uint32_t x = 0x12345678;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out += static_cast<char>(x >> 24);
  }
  return out;
}

TEST(Sha256, EmptyInput) {
  EXPECT_EQ(troupe::base::sha256::hex_digest(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, Abc) {
  EXPECT_EQ(troupe::base::sha256::hex_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessage448Bits) {
  EXPECT_EQ(troupe::base::sha256::hex_digest(
              "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, Message896Bits) {
  EXPECT_EQ(troupe::base::sha256::hex_digest(
              "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklm"
              "nhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopq"
              "rstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, OneMillionA) {
  EXPECT_EQ(troupe::base::sha256::hex_digest(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 56-byte padding boundary and the 64-byte block size
// (reference digests from coreutils sha256sum).
TEST(Sha256, PaddingBoundaries) {
  struct vector_t {
    size_t len;
    const char* digest;
  };
  const vector_t vectors[] = {
    {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
    {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
    {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
    {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
    {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  for (auto& v : vectors)
    EXPECT_EQ(troupe::base::sha256::hex_digest(std::string(v.len, 'a')),
              v.digest)
      << "length " << v.len;
}

TEST(Sha256, FinishMatchesHexDigest) {
  troupe::base::sha256 h;
  h.update("abc");
  EXPECT_EQ(to_hex(h.finish()), troupe::base::sha256::hex_digest("abc"));
}

TEST(Sha256, IncrementalOddChunksEqualOneShot) {
  auto data = pseudo_random_bytes(5000);
  auto expected = troupe::base::sha256::hex_digest(data);
  for (size_t chunk : {1u, 3u, 7u, 13u, 55u, 63u, 64u, 65u, 127u, 1000u}) {
    troupe::base::sha256 h;
    for (size_t pos = 0; pos < data.size(); pos += chunk)
      h.update(std::string_view{data}.substr(pos, chunk));
    EXPECT_EQ(to_hex(h.finish()), expected) << "chunk size " << chunk;
  }
}

TEST(Sha256, IncrementalVaryingChunksEqualOneShot) {
  auto data = pseudo_random_bytes(3001);
  troupe::base::sha256 h;
  size_t pos = 0;
  size_t step = 1;
  while (pos < data.size()) {
    h.update(std::string_view{data}.substr(pos, step));
    pos += step;
    step = step % 97 + 2; // 1, 3, 5, ... mixed sizes crossing block borders
  }
  EXPECT_EQ(to_hex(h.finish()), troupe::base::sha256::hex_digest(data));
}

TEST(Sha256, EmptyUpdatesChangeNothing) {
  troupe::base::sha256 h;
  h.update("");
  h.update("a");
  h.update("");
  h.update("bc");
  h.update("");
  EXPECT_EQ(to_hex(h.finish()), troupe::base::sha256::hex_digest("abc"));
}

TEST(Sha256, BinaryInputWithNulBytes) {
  std::string data("a\0b\0\xff", 5);
  // NUL bytes are hashed, not treated as terminators.
  EXPECT_NE(troupe::base::sha256::hex_digest(data),
            troupe::base::sha256::hex_digest("a"));
  troupe::base::sha256 h;
  h.update(std::string_view{data}.substr(0, 2));
  h.update(std::string_view{data}.substr(2));
  EXPECT_EQ(to_hex(h.finish()), troupe::base::sha256::hex_digest(data));
}

} // namespace
