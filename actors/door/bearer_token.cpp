#include "actors/door/bearer_token.hpp"

#include "actors/base/sha256.hpp"
#include "messages/errors.hpp"

#include <openssl/rand.h>

#include <cctype>

namespace troupe::door {

namespace {

constexpr std::string_view base64url_alphabet
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Unpadded: '=' would need escaping in URLs and adds nothing to a token of
// fixed length.
void append_base64url(std::string& out, const unsigned char* data, size_t n) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8)
                 | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6)
      out += base64url_alphabet[(v >> shift) & 0x3F];
  }
  if (i < n) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (i + 1 < n)
      v |= uint32_t{data[i + 1]} << 8;
    out += base64url_alphabet[(v >> 18) & 0x3F];
    out += base64url_alphabet[(v >> 12) & 0x3F];
    if (i + 1 < n)
      out += base64url_alphabet[(v >> 6) & 0x3F];
  }
}

// RFC 6750's b64token: what may follow "Bearer ".
bool is_b64token_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~'
         || c == '+' || c == '/' || c == '=';
}

} // namespace

caf::expected<std::string> generate_token() {
  std::array<unsigned char, token_random_bytes> bytes;
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return caf::make_error(error_code::rejected,
                           "the random number generator has no entropy "
                           "to give; no token was made");
  std::string out{token_prefix};
  append_base64url(out, bytes.data(), bytes.size());
  // The random bytes are the secret: do not leave them on the stack.
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

token_digest digest_of(std::string_view token) noexcept {
  base::sha256 h;
  h.update(token);
  return h.finish();
}

std::optional<std::string_view>
bearer_of(std::string_view authorization) noexcept {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size())
    return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return std::nullopt;
  auto rest = authorization.substr(scheme.size());
  auto start = rest.find_first_not_of(' ');
  if (start == 0 || start == std::string_view::npos)
    return std::nullopt;
  auto token = rest.substr(start);
  // Trailing '=' is padding only: b64token = 1*(chars) *"=".
  auto body_end = token.find_last_not_of('=');
  if (body_end == std::string_view::npos)
    return std::nullopt;
  for (size_t i = 0; i < token.size(); ++i)
    if (!is_b64token_char(token[i]) || (token[i] == '=' && i <= body_end))
      return std::nullopt;
  return token;
}

} // namespace troupe::door
