#pragma once

#include "actors/job_metrics.hpp"
#include "actors/last_will.hpp"
#include "messages/interfaces.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe {

/// Limits and identity of a gateway.
struct gateway_config {
  std::string node_name;
  /// Largest serialized submit batch accepted; larger ones are refused whole.
  uint64_t max_message_bytes = 64 * 1024 * 1024;
  caf::timespan query_timeout = std::chrono::seconds(5);
  job_metrics_ptr metrics;
  /// Answers peers' cluster messages; null when the node is not clustered.
  membership_actor membership;
  /// The node's supervisor tree, followed for the current router,
  /// membership and health monitor; null when the router given at spawn
  /// never changes.
  supervisor_actor tree;
  /// Accept `CrashActor` requests (test hook, `--test-skills` only).
  bool crash_hook = false;
  /// At most this many results and bytes go back in one message.
  struct {
    size_t max_count = 128;
    size_t max_bytes = 1 << 20;
  } result_batch;
};

/// State of a gateway: which client waits for which forwarded job, and the
/// results waiting to go out.
struct gateway_state {
  static constexpr const char* name = "gateway";

  struct waiter {
    client_sink_actor client;
    uint64_t client_id;
  };

  struct outbox {
    client_sink_actor client;
    std::vector<job_result> results;
  };

  gateway_config cfg;
  router_actor router;
  health_monitor_actor health;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, waiter> waiting;
  /// Jobs each client (monitored from its first batch until it goes away)
  /// still waits for: a client that goes away with jobs left has them
  /// cancelled.
  std::unordered_map<caf::actor_addr, uint64_t> clients;
  std::unordered_map<caf::actor_addr, outbox> outboxes;
  bool flush_scheduled = false;
  /// Set by `drain`: new jobs are refused, jobs in flight continue.
  bool draining = false;
  /// Answers every job in flight when the gateway ends (its results would
  /// have nowhere to go). Keep last: it runs first at destruction.
  last_will will;
};

/// The node's published face: decodes protobuf requests from remote clients
/// and peers, rejects what is malformed with a clear error, forwards jobs to
/// the router under gateway-unique ids, and sends results back in batches.
/// It monitors its clients: the jobs of a client that goes away (its
/// process ended, its connection broke) are cancelled, and a client can
/// cancel its jobs itself (`CancelJobs`).
/// Results that arrive together leave together: a flush message to itself
/// goes out after everything already in the mailbox, so batching adds no
/// delay when traffic is light. When the gateway ends, results it already
/// has go out and every other job in flight is answered NODE_LOST; jobs a
/// client sent that it never read are not answered, so clients resend them
/// to the gateway's successor (they never ran).
gateway_actor::behavior_type
gateway(gateway_actor::stateful_pointer<gateway_state> self, gateway_config cfg,
        router_actor router);

} // namespace troupe
