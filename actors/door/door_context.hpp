#pragma once

#include "actors/door/access.hpp"
#include "actors/door/result_keeper.hpp"
#include "actors/rpc/server_limits.hpp"
#include "actors/rpc/tls_material.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace troupe::door {

/// Limits of the gRPC door: everything a client can make the node hold is
/// bounded by one of these.
struct door_limits : rpc::server_limits {
  /// Largest job input accepted (the node's max-job-bytes).
  uint64_t max_job_bytes = 16 * 1024 * 1024;
  /// Jobs one Run stream may have in flight; at the limit the door stops
  /// reading the stream until results went out (gRPC flow control then
  /// holds the client back).
  size_t max_stream_in_flight = 1'000'000;
  /// Result batches queued for a stream whose client does not read them
  /// before the door stops reading its jobs.
  size_t max_queued_batches = 64;
  /// At most this many results and bytes go out in one message.
  size_t max_results_per_batch = 128;
  size_t max_result_batch_bytes = 1 << 20;
  /// How long a status or control request may wait for the node's actors.
  caf::timespan query_timeout = std::chrono::seconds(5);
};

/// What every call of the door shares: the actors it talks to and the
/// node's identity.
struct door_context {
  caf::actor_system* sys = nullptr;
  /// The gateway's registered name (whichever incarnation runs; messages
  /// wait while it restarts): where jobs go in, and status and crash
  /// requests.
  gateway_actor gateway;
  /// Skills and breaker commands (a registered name).
  router_actor router;
  std::string node_name;
  /// HOST:PORT of the door and of the node's cluster port.
  std::string address;
  std::string cluster_address;
  door_limits limits;
  /// TLS on the door when enabled (mutual with a client CA).
  rpc::tls_material tls;
  /// Tokens, roles and per-token limits (never null; open without a
  /// tokens file).
  std::shared_ptr<door::access> access;
  /// Detached jobs and their results (never null).
  std::shared_ptr<result_keeper> keeper;
  /// Accept `Crash` (test hook, `--test-skills` only).
  bool crash_hook = false;
  /// Starts the node's drain (leave the cluster, finish jobs in flight,
  /// exit); empty when whoever runs the node offers no drain.
  std::function<void()> drain;
};

} // namespace troupe::door
