#pragma once

#include "actors/skills/skill.hpp"

#include <caf/error.hpp>

namespace troupe::skills {

/// Adds `echo`, `sha256`, `sleep` and `wordcount` to the catalog.
[[nodiscard]] caf::error add_builtin_skills(skill_catalog& catalog);

/// Adds the fault-injection skills `fail`, `flaky`, `slow` and `crash`, and
/// `record` and `record-idem`, which journal every execution to the file
/// named by $TROUPE_TEST_JOURNAL (actors/skills/execution_journal.hpp) and
/// answer
/// "<sha256 of the input> <execution id>"; an input ending in "@<N>ms" makes
/// them take N milliseconds more after journaling.
[[nodiscard]] caf::error add_test_skills(skill_catalog& catalog);

/// The largest duration `sleep` and `slow` accept, in milliseconds.
inline constexpr uint64_t max_sleep_ms = 3'600'000;

} // namespace troupe::skills
