#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// UTF-8 checks for text that crosses a boundary: protobuf refuses to parse a
// message whose `string` field holds invalid UTF-8 (so one bad value would
// sink every other item of a batch), and JSON text must be UTF-8 (RFC 8259).
namespace troupe::utf8 {

/// The length of the well-formed UTF-8 sequence starting at `text[pos]` (1 to
/// 4), or 0 when it is invalid there: a stray continuation byte, a truncated
/// sequence, an overlong encoding, a surrogate or a code point above
/// U+10FFFF (RFC 3629).
size_t sequence_length(std::string_view text, size_t pos) noexcept;

/// The offset of the first byte that does not start a well-formed sequence;
/// `text.size()` when all of `text` is valid UTF-8.
size_t first_invalid(std::string_view text) noexcept;

inline bool valid(std::string_view text) noexcept {
  return first_invalid(text) == text.size();
}

/// `text` with every invalid byte replaced by U+FFFD, so that it can go into
/// a protobuf `string` field; valid text comes back unchanged.
std::string sanitized(std::string_view text);

} // namespace troupe::utf8
