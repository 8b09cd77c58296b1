#pragma once

#include "actors/skill.hpp"

#include <caf/error.hpp>

namespace troupe {

/// Adds `echo`, `sha256`, `sleep` and `wordcount` to the catalog.
[[nodiscard]] caf::error add_builtin_skills(skill_catalog& catalog);

/// Adds the fault-injection skills `fail`, `flaky`, `slow` and `crash`.
[[nodiscard]] caf::error add_test_skills(skill_catalog& catalog);

/// The largest duration `sleep` and `slow` accept, in milliseconds.
inline constexpr uint64_t max_sleep_ms = 3'600'000;

} // namespace troupe
