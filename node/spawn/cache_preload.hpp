#pragma once

#include "config/cache_config.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include <vector>

namespace troupe::node {

/// Runs the configured preload jobs through `router` and waits (bounded by
/// `timeout`) until each has its result, so that they are cached before the
/// node takes clients. Failures are logged; the node starts regardless.
void run_preload_jobs(caf::actor_system& sys, const router_actor& router,
                      const std::vector<config::preload_job>& jobs,
                      caf::timespan timeout);

} // namespace troupe::node
