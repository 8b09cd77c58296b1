#pragma once

#include "tests/support/node_process.hpp"

#include <cstdint>
#include <string>

// A skill's pool as `troupe status --json` shows it, for tests that wait
// for workers to start, get busy, retire or restart.
namespace troupe::test {

/// The whole-number field `field` ("workers", "busy", "idle", "queued",
/// "worker_restarts", ...) of skill `skill`; -1 when the node does not
/// answer or has no such skill.
int64_t skill_stat(const node_process& node, const std::string& skill,
                   const std::string& field);

/// Terminal results of `skill` with `status` ("OK", "CANCELLED", ...) the
/// node counted; -1 when it does not answer.
int64_t job_count(const node_process& node, const std::string& skill,
                  const std::string& status);

/// Polls (at most ~15 s) until the field has `value`.
bool stat_becomes(const node_process& node, const std::string& skill,
                  const std::string& field, int64_t value);

} // namespace troupe::test
