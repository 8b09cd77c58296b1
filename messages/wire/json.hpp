#pragma once

#include <string>
#include <string_view>

namespace troupe::wire {

/// Appends `str` to `out` as a quoted JSON string. Bytes that are not valid
/// UTF-8 are written as `\u00XX` escapes of the byte value so the output is
/// always valid JSON.
void append_json_string(std::string& out, std::string_view str);

/// `str` as a quoted JSON string.
inline std::string json_string(std::string_view str) {
  std::string out;
  append_json_string(out, str);
  return out;
}

} // namespace troupe::wire
