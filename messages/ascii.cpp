#include "messages/ascii.hpp"

#include <cctype>

namespace troupe {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i]))
        != std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

} // namespace troupe
