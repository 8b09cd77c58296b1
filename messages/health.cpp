#include "messages/health.hpp"

#include <cctype>

namespace troupe {

std::string_view to_string(severity x) noexcept {
  switch (x) {
    case severity::info:
      return "INFO";
    case severity::warning:
      return "WARNING";
    case severity::critical:
      return "CRITICAL";
  }
  return "INFO";
}

std::optional<severity> parse_severity(std::string_view str) noexcept {
  for (auto x : {severity::info, severity::warning, severity::critical}) {
    auto name = to_string(x);
    if (name.size() != str.size())
      continue;
    bool same = true;
    for (size_t i = 0; i < str.size() && same; ++i)
      same = std::toupper(static_cast<unsigned char>(str[i])) == name[i];
    if (same)
      return x;
  }
  return std::nullopt;
}

} // namespace troupe
