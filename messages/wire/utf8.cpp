#include "messages/wire/utf8.hpp"

namespace troupe::utf8 {

namespace {

bool continuation(unsigned char c) noexcept {
  return (c & 0xC0) == 0x80;
}

} // namespace

size_t sequence_length(std::string_view text, size_t pos) noexcept {
  auto at = [&](size_t i) {
    return static_cast<unsigned char>(text[pos + i]);
  };
  auto left = text.size() - pos;
  auto c = at(0);
  if (c < 0x80)
    return 1;
  // The ranges of RFC 3629's table: the second byte's bounds exclude
  // overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  if (left < n || at(1) < lo || at(1) > hi)
    return 0;
  for (size_t i = 2; i < n; ++i)
    if (!continuation(at(i)))
      return 0;
  return n;
}

size_t first_invalid(std::string_view text) noexcept {
  size_t pos = 0;
  while (pos < text.size()) {
    // ASCII runs are the common case: skip them without the table.
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    auto n = sequence_length(text, pos);
    if (n == 0)
      return pos;
    pos += n;
  }
  return text.size();
}

std::string sanitized(std::string_view text) {
  auto bad = first_invalid(text);
  if (bad == text.size())
    return std::string{text};
  std::string out{text.substr(0, bad)};
  auto pos = bad;
  while (pos < text.size()) {
    auto n = sequence_length(text, pos);
    if (n == 0) {
      out += "\xEF\xBF\xBD"; // U+FFFD REPLACEMENT CHARACTER
      ++pos;
    } else {
      out.append(text.substr(pos, n));
      pos += n;
    }
  }
  return out;
}

} // namespace troupe::utf8
