#include "messages/member.hpp"

namespace troupe {

std::string_view to_string(member_status x) noexcept {
  switch (x) {
    case member_status::joining:
      return "joining";
    case member_status::up:
      return "up";
    case member_status::leaving:
      return "leaving";
    default:
      return "down";
  }
}

bool member::offers(std::string_view skill) const noexcept {
  for (auto& s : skills)
    if (s.name == skill)
      return true;
  return false;
}

} // namespace troupe
