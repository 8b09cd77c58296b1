#include "actors/door/role.hpp"

namespace troupe::door {

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::submit:
      return "submit";
    case role::operate:
      return "operate";
    case role::admin:
      return "admin";
  }
  return "?";
}

std::optional<role> parse_role(std::string_view name) noexcept {
  for (auto r : {role::submit, role::operate, role::admin})
    if (name == to_string(r))
      return r;
  return std::nullopt;
}

} // namespace troupe::door
