#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe {

/// The terminal status of a job. Every job ends with exactly one of these;
/// the values mirror `troupe.wire.Status` (which adds an unspecified zero).
enum class job_status : uint8_t {
  ok,
  skill_error,
  timeout,
  overloaded,
  breaker_open,
  unknown_skill,
  bad_input,
  node_lost,
  cancelled,
  internal,
};

/// Number of values in `job_status`, for tables indexed by status.
inline constexpr size_t job_status_count = 10;

/// Upper-case name as users see it (`OK`, `SKILL_ERROR`, ...).
std::string_view to_string(job_status x) noexcept;

/// Parses the upper-case name (case-insensitive).
std::optional<job_status> parse_job_status(std::string_view str) noexcept;

/// Whether a retry of the same job may succeed (a transient condition).
bool is_retryable(job_status x) noexcept;

/// Per-job cache behaviour requested by the client.
enum class cache_mode : uint8_t {
  normal,  ///< use the skill's cache policy
  bypass,  ///< neither read nor write the cache
  refresh, ///< recompute and replace the cached entry
};

} // namespace troupe
