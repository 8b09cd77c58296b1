#pragma once

#include <optional>
#include <string_view>

namespace troupe::door {

/// What a client's token allows, each role including the ones below it:
/// `submit` runs jobs and reads its own results, the skills and the status;
/// `operate` also commands breakers; `admin` also drains and stops the
/// node. The enumerators are in that order, so roles compare with `<`.
enum class role { submit, operate, admin };

/// "submit", "operate" or "admin".
std::string_view to_string(role r) noexcept;

/// The role named by `name` (exactly as `to_string` spells it), or none.
std::optional<role> parse_role(std::string_view name) noexcept;

/// True when a token of role `held` may do what needs role `needed`.
constexpr bool at_least(role held, role needed) noexcept {
  return held >= needed;
}

} // namespace troupe::door
