// The one-shot EVP interface allocates a context per call; the classic
// SHA256_* functions keep the state in caller memory and run the same
// accelerated code, so they stay, with the 1.1 API level that does not
// mark them deprecated.
#define OPENSSL_API_COMPAT 10101
#include "actors/base/sha256.hpp"

#include <openssl/sha.h>

#include <new>

namespace troupe::base {

namespace {

static_assert(sizeof(SHA256_CTX) <= 112, "sha256::ctx_ too small");
static_assert(alignof(SHA256_CTX) <= 8, "sha256::ctx_ misaligned");

SHA256_CTX* ctx(unsigned char* storage) noexcept {
  return std::launder(reinterpret_cast<SHA256_CTX*>(storage));
}

} // namespace

sha256::sha256() noexcept {
  SHA256_Init(new (ctx_) SHA256_CTX);
}

void sha256::update(std::string_view data) noexcept {
  SHA256_Update(ctx(ctx_), data.data(), data.size());
}

std::array<uint8_t, 32> sha256::finish() noexcept {
  std::array<uint8_t, 32> out;
  SHA256_Final(out.data(), ctx(ctx_));
  return out;
}

std::string sha256::hex_digest(std::string_view data) {
  sha256 h;
  h.update(data);
  auto digest = h.finish();
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(64, '\0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0x0F];
  }
  return out;
}

} // namespace troupe::base
