#pragma once

#include <string_view>

namespace troupe {

/// Whether `a` and `b` are equal ignoring ASCII case (status names, HTTP
/// tokens: protocol words, never user text).
bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace troupe
