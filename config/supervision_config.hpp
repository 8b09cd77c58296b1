#pragma once

#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>

namespace troupe::config {

class config_reader;

/// How the node's supervisors restart what fails (the `[supervision]`
/// section).
struct supervision_config {
  /// Restart intensity of every supervisor: more than `max_restarts`
  /// restarts within `restart_period` and it stops its children and itself,
  /// and its own supervisor takes over (the root's failure stops the node).
  uint32_t max_restarts = 5;
  caf::timespan restart_period = std::chrono::seconds(10);
  /// A child that keeps failing waits before each restart: `backoff_initial`
  /// after its first failure, doubling up to `backoff_max`, each delay
  /// spread by +/- `backoff_jitter` (a fraction); a child that ran for
  /// `restart_period` starts over. backoff_initial 0 restarts at once.
  caf::timespan backoff_initial = std::chrono::milliseconds(10);
  caf::timespan backoff_max = std::chrono::seconds(5);
  double backoff_jitter = 0.2;
  /// How long each actor may take to stop before it is killed.
  caf::timespan shutdown_timeout = std::chrono::seconds(5);
};

/// Reads the `[supervision]` section (max-restarts, restart-period,
/// backoff-initial, backoff-max, backoff-jitter, shutdown-timeout) over
/// `cfg`; problems go to the reader.
void read_supervision_section(config_reader& section, supervision_config& cfg);

} // namespace troupe::config
