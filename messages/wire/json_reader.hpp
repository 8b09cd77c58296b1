#pragma once

#include <caf/expected.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace troupe::wire {

/// A parsed JSON value. Objects keep their members in document order.
struct json_value {
  using array = std::vector<json_value>;
  using object = std::vector<std::pair<std::string, json_value>>;

  std::variant<std::nullptr_t, bool, double, std::string, array, object> data;

  template <class T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&data);
  }

  /// The member `key` of an object; null when this is no object or has no
  /// such member.
  const json_value* find(std::string_view key) const noexcept;

  /// A short name of the value's type for messages ("a string", ...).
  const char* type_name() const noexcept;
};

/// Parses one JSON document (RFC 8259): objects, arrays, strings with all
/// escapes (surrogate pairs decoded to UTF-8), numbers, true, false, null.
/// The text must be UTF-8: a string holding invalid UTF-8 is an error, so
/// whatever a string yields can go into a protobuf `string` field. Nesting is
/// limited to 64 levels so hostile input cannot exhaust the stack. Errors say
/// what was expected and at which column.
[[nodiscard]] caf::expected<json_value> parse_json(std::string_view text);

} // namespace troupe::wire
