#include "messages/wire/json.hpp"

namespace troupe::wire {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4;
  else
    return 0;
  if (i + len > s.size())
    return 0;
  // The second byte's range excludes overlong forms (E0, F0), UTF-16
  // surrogates (ED) and code points above U+10FFFF (F4), which strict JSON
  // parsers reject.
  auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)
      || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
    return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  return len;
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  out += "\\u00";
  out += hex[c >> 4];
  out += hex[c & 0x0F];
}

} // namespace

void append_json_string(std::string& out, std::string_view str) {
  out.reserve(out.size() + str.size() + 2);
  out += '"';
  for (size_t i = 0; i < str.size();) {
    auto c = static_cast<unsigned char>(str[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          append_escape(out, c);
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (auto len = utf8_sequence_length(str, i); len > 0) {
          out.append(str.data() + i, len);
          i += len;
          continue;
        } else {
          append_escape(out, c);
        }
    }
    ++i;
  }
  out += '"';
}

} // namespace troupe::wire
