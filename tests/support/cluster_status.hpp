#pragma once

#include "tests/support/node_process.hpp"

#include <string>
#include <vector>

// Reading a node's view of its cluster through `troupe status --json`, with
// bounded polling for tests that wait for the view to change.
namespace troupe::test {

/// A `[cluster]` config section with fast failure detection, which keeps
/// cluster tests short (the defaults go through the same code paths).
inline constexpr const char* fast_cluster_conf = R"([cluster]
heartbeat-interval = 100ms
down-after = 1s
)";

/// The status ("up", "down", ...) of member `name` as `node` sees it; ""
/// when the node does not know it (or does not answer).
std::string member_status_of(const node_process& node, const std::string& name);

/// Polls (at most ~15 s) until `node` sees member `name` with `status`.
bool sees(const node_process& node, const std::string& name,
          const std::string& status);

/// Polls (at most ~15 s) until `node` knows that member `name` offers
/// `skill` (skills travel with the heartbeats).
bool knows_skill(const node_process& node, const std::string& name,
                 const std::string& skill);

/// Arguments of `troupe node` for a member named `name` with this config
/// file, joining through `seed` (none: it starts the cluster), with the
/// test skills or not.
std::vector<std::string>
member_args(const std::string& name, const node_process* seed,
            const std::string& config, bool test_skills = false);

} // namespace troupe::test
