#pragma once

namespace troupe::config {

/// troupe's version, reported by `troupe --version` and `troupe status`.
inline constexpr const char* version = "0.1.0";

} // namespace troupe::config
