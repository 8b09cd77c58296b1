#pragma once

#include "actors/door/token_file.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace troupe::door {

/// The tokens a node accepts, looked up by the token a client presents.
/// Immutable once built, so any number of threads may use it at once.
class token_table {
 public:
  token_table() = default;

  explicit token_table(std::vector<token_entry> entries)
      : entries_(std::move(entries)) {
    // nop
  }

  /// The entry of `bearer`, or null when no entry has its digest (an empty
  /// token included). Hashes `bearer` and compares the digest with every
  /// entry in constant time, whichever matches, so that the time taken says
  /// nothing about the digests held or where a match stood.
  const token_entry* find(std::string_view bearer) const noexcept;

  /// The entry's position in `entries()`: an index for per-token state
  /// kept beside the table (see `admission_control`).
  size_t slot_of(const token_entry& entry) const noexcept {
    return static_cast<size_t>(&entry - entries_.data());
  }

  const std::vector<token_entry>& entries() const noexcept {
    return entries_;
  }

  size_t size() const noexcept {
    return entries_.size();
  }

 private:
  std::vector<token_entry> entries_;
};

} // namespace troupe::door
