#pragma once

#include "actors/metrics/metrics_fwd.hpp"

#include <memory>
#include <string>

namespace troupe::metrics {

/// What the kernel says about a process, in the units of the conventional
/// `process_*` metrics that Prometheus's own clients export (so that
/// dashboards written for any of them work for troupe).
struct process_sample {
  /// User and system CPU time.
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  /// When the process started, in seconds since the Unix epoch.
  double start_time_seconds = 0;
  double open_fds = 0;
  /// The soft limit on open descriptors.
  double max_fds = 0;
};

/// Reads the CPU, memory and start-time fields of a `/proc/PID/stat` line
/// into `out`, given the clock ticks per second, the page size and the
/// boot time (seconds since the epoch). False when the line does not parse.
bool parse_proc_stat(const std::string& line, long ticks_per_second,
                     long page_bytes, double boot_time, process_sample& out);

/// This process, now; fields it cannot read stay 0.
process_sample sample_this_process();

/// A collectable that reports this process's `process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
/// `process_start_time_seconds`, `process_open_fds` and `process_max_fds`,
/// read afresh at each scrape.
std::shared_ptr<prometheus::Collectable> make_process_collector();

} // namespace troupe::metrics
