#pragma once

#include "config/cache_config.hpp"
#include "config/cluster_config.hpp"
#include "config/door_config.hpp"
#include "config/health_config.hpp"
#include "config/supervision_config.hpp"
#include "config/units.hpp"

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe::config {

/// The ranges of the node settings the command line shares with the config
/// file, so that both refuse the same values.
namespace node_limits {
inline constexpr uint64_t max_job_bytes = uint64_t{1} << 30;
inline constexpr uint32_t workers = 1024;
inline constexpr uint64_t queue_capacity = 100'000'000;
inline constexpr uint64_t max_in_flight = 100'000'000;
inline constexpr uint32_t threads = 256;
inline constexpr caf::timespan min_default_timeout
  = std::chrono::milliseconds(1);
inline constexpr caf::timespan max_drain_timeout = std::chrono::hours(24);
} // namespace node_limits

/// Everything `troupe node` can be told, with its defaults.
struct node_config {
  std::string host = "127.0.0.1";
  /// The client port (gRPC); 0 = any free port.
  uint16_t port = 4710;
  /// The port other members connect to; 0 = the client port + 1000, or a
  /// free port when `port` is 0 (see `cluster_port_of`).
  uint16_t cluster_port = 0;
  /// HOST:CLUSTER-PORT other members reach this node at (behind a NAT or
  /// a container's port mapping); empty = "<host>:<cluster port>".
  std::string advertise;
  /// Empty = "<host>:<port>".
  std::string name;
  std::string log_level = "info";
  /// "text" or "json" (one JSON object per line; actors/log/logging.hpp).
  std::string log_format = "text";
  /// 0 = no metrics endpoint.
  uint16_t metrics_port = 0;
  /// The HTTP/JSON API's port on `host`: -1 = off, 0 = a free port.
  int32_t http_port = -1;
  /// Web origins (e.g. "https://ops.example.com") whose pages may use the
  /// HTTP port from a browser besides the node's own page; empty: only it.
  std::vector<std::string> http_origins;
  /// Where the metrics endpoint listens. Loopback unless set: by
  /// Prometheus' convention it has no authentication, so reaching it from
  /// elsewhere is an operator's choice, not a side effect of `host`.
  std::string metrics_host = "127.0.0.1";
  bool test_skills = false;
  uint64_t max_job_bytes = 16 * 1024 * 1024;
  /// Workers per skill unless the skill sets its own.
  uint32_t workers = 4;
  /// Queue capacity per skill unless the skill sets its own.
  uint64_t queue_capacity = 10'000;
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// Jobs the node's pools hold at once (queued or running) over all
  /// skills; more are answered OVERLOADED. A guard on memory, above the
  /// per-skill queue capacities.
  uint64_t max_in_flight = 1'000'000;
  /// CAF scheduler threads and policy ("sharing", helped by the door's
  /// gRPC threads, or "stealing"). On two cores one sharing thread measured
  /// fastest for troupe's message paths; blocking skills run on their own
  /// threads regardless.
  uint32_t threads = 1;
  std::string scheduler = "sharing";
  /// On SIGTERM or SIGINT the node stops taking jobs and gives those it
  /// has this long to finish; the rest end CANCELLED.
  caf::timespan drain_timeout = std::chrono::seconds(30);
  /// Seeds and failure detection.
  cluster_config cluster;
  /// The client door: TLS, tokens, connection limits.
  door_config door;
  /// The result cache.
  cache_config cache;
  /// Restart intensity, backoff and shutdown timeouts of the supervisors.
  supervision_config supervision;
  /// Health monitor thresholds.
  health_config health;
};

class config_reader;

/// Reads the `[node]` section of a config file over `cfg`; its keys are the
/// names of `troupe node`'s options. Problems are recorded in the reader.
void read_node_section(config_reader& section, node_config& cfg);

/// The cluster port `cfg` asks for: `cluster_port`, else the client port +
/// 1000, else 0 (the client port is chosen freely, so is this one).
uint16_t cluster_port_of(const node_config& cfg);

/// Checks ranges and names; the error names the option and what it expects.
[[nodiscard]] caf::expected<node_config> validate(node_config cfg);

} // namespace troupe::config
