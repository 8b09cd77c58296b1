#pragma once

#include "messages/cache_key.hpp"

#include <string>
#include <string_view>

namespace troupe::cache {

/// The cache key of running `skill` at `version` on `input`: SHA-256 over
/// a length-prefixed encoding of the three, so that no two different
/// triples share an encoding. SHA-256 because cached results are served to
/// every client: a key that someone could make collide on purpose would let
/// one client plant results for another's input. It costs one pass over the
/// input (see docs/benchmarks.md), paid only by skills that cache.
cache_key cache_digest(std::string_view skill, std::string_view version,
                       std::string_view input);

/// Lower-case hex of the key's 32 bytes, for logs.
std::string to_hex(const cache_key& key);

} // namespace troupe::cache
