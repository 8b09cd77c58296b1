#pragma once

#include <cstdint>
#include <initializer_list>
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

/// A set of statuses (a bit per status), e.g. the statuses a skill's
/// breaker counts as failures or its retries retry.
class job_status_set {
 public:
  constexpr job_status_set() noexcept = default;

  constexpr job_status_set(std::initializer_list<job_status> xs) noexcept {
    for (auto x : xs)
      insert(x);
  }

  constexpr void insert(job_status x) noexcept {
    bits_ = static_cast<uint16_t>(bits_ | bit(x));
  }

  constexpr bool contains(job_status x) const noexcept {
    return (bits_ & bit(x)) != 0;
  }

  constexpr bool empty() const noexcept {
    return bits_ == 0;
  }

  constexpr bool operator==(job_status_set other) const noexcept {
    return bits_ == other.bits_;
  }

  constexpr bool operator!=(job_status_set other) const noexcept {
    return bits_ != other.bits_;
  }

 private:
  static constexpr uint16_t bit(job_status x) noexcept {
    return static_cast<uint16_t>(1u << static_cast<unsigned>(x));
  }

  uint16_t bits_ = 0;
};

/// The names of the statuses in `xs` in status order, comma-separated
/// (`TIMEOUT, SKILL_ERROR` reads as `SKILL_ERROR, TIMEOUT`).
std::string to_string(job_status_set xs);

/// The statuses `is_retryable` calls transient.
job_status_set retryable_statuses() noexcept;

/// Per-job cache behaviour requested by the client.
enum class cache_mode : uint8_t {
  normal,  ///< use the skill's cache policy
  bypass,  ///< neither read nor write the cache
  refresh, ///< recompute and replace the cached entry
};

} // namespace troupe
