#include "messages/detached.hpp"

#include <charconv>

namespace troupe {

namespace {

bool parse_number(std::string_view text, uint64_t& out) {
  if (text.empty())
    return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

std::string detached_id::to_string() const {
  auto out = std::to_string(number);
  out += '-';
  out += std::to_string(incarnation);
  out += '@';
  out += holder;
  return out;
}

std::optional<detached_id> detached_id::parse(std::string_view text) {
  // Numbers hold no '@' or '-'; the member's name may hold anything.
  auto at = text.find('@');
  if (at == std::string_view::npos || at + 1 == text.size())
    return std::nullopt;
  auto numbers = text.substr(0, at);
  auto dash = numbers.find('-');
  if (dash == std::string_view::npos)
    return std::nullopt;
  detached_id out;
  if (!parse_number(numbers.substr(0, dash), out.number)
      || !parse_number(numbers.substr(dash + 1), out.incarnation)
      || out.number == 0)
    return std::nullopt;
  out.holder = std::string{text.substr(at + 1)};
  return out;
}

} // namespace troupe
