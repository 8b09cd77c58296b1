#pragma once

#include <caf/expected.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::door {

/// The secret a client presents (`authorization: Bearer <token>`): "trp_"
/// followed by 32 random bytes in unpadded base64url (47 characters in
/// all). Nodes keep only its SHA-256 (`token_digest`); the token itself is
/// shown once, when made.
inline constexpr std::string_view token_prefix = "trp_";

/// How many random bytes a token carries (256 bits: a digest of one cannot
/// be reversed or guessed, so digests need not be kept secret).
inline constexpr size_t token_random_bytes = 32;

/// The SHA-256 of a whole token, prefix included.
using token_digest = std::array<uint8_t, 32>;

/// A new token from OpenSSL's CSPRNG; an error only when that has no
/// entropy to give.
[[nodiscard]] caf::expected<std::string> generate_token();

/// The digest under which the tokens file stores `token`.
token_digest digest_of(std::string_view token) noexcept;

/// The token in the value of an `authorization` header, `Bearer <token>`
/// (the scheme in any case, RFC 7235), or none when the value has another
/// scheme, no token, or a token with characters RFC 6750 does not allow.
std::optional<std::string_view>
bearer_of(std::string_view authorization) noexcept;

} // namespace troupe::door
