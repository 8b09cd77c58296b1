#pragma once

#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>

namespace troupe::config {

class config_reader;

/// When the health monitor raises alerts (the `[health]` section). Rates
/// and fill levels are fractions (0.25 = 25 %).
struct health_config {
  /// How often the monitor asks every long-lived actor for its figures.
  caf::timespan interval = std::chrono::seconds(1);
  /// An actor that has not answered within this long is unresponsive
  /// (CRITICAL).
  caf::timespan poll_timeout = std::chrono::seconds(2);
  /// Error rates and restarts count over this window.
  caf::timespan window = std::chrono::seconds(30);
  /// Share of a skill's jobs ending SKILL_ERROR, TIMEOUT, NODE_LOST or
  /// INTERNAL, once the window holds at least `min_jobs` of its jobs.
  double error_rate_warning = 0.25;
  double error_rate_critical = 0.5;
  uint64_t min_jobs = 20;
  /// How full a skill's queue is.
  double queue_warning = 0.8;
  double queue_critical = 0.95;
  /// Restarts of one child (for a pool's workers: of all its workers)
  /// within the window; any restart is at least INFO.
  uint32_t restarts_warning = 3;
  uint32_t restarts_critical = 10;
  /// Messages waiting in the router's or the gateway's mailbox.
  uint64_t mailbox_warning = 10'000;
  uint64_t mailbox_critical = 100'000;
};

/// Reads the `[health]` section over `cfg`; problems (also thresholds whose
/// critical level is below the warning level) go to the reader.
void read_health_section(config_reader& section, health_config& cfg);

} // namespace troupe::config
