#include "actors/door/token_table.hpp"

#include <openssl/crypto.h>

namespace troupe::door {

const token_entry* token_table::find(std::string_view bearer) const noexcept {
  // An empty token says nothing secret about the table: refuse it at once.
  if (bearer.empty())
    return nullptr;
  auto digest = digest_of(bearer);
  // Visits every entry and selects with a mask instead of a branch, so that
  // neither the loop's length nor its branches depend on where a match is.
  // Digests are unique in a table (the file refuses duplicates), so at most
  // one entry matches.
  size_t found = entries_.size();
  for (size_t i = 0; i < entries_.size(); ++i) {
    auto differs = CRYPTO_memcmp(digest.data(), entries_[i].digest.data(),
                                 digest.size());
    // All ones when equal, else zero: CRYPTO_memcmp gives 0 or non-zero.
    auto mask = static_cast<size_t>(0) - static_cast<size_t>(differs == 0);
    found = (found & ~mask) | (i & mask);
  }
  return found < entries_.size() ? &entries_[found] : nullptr;
}

} // namespace troupe::door
