#pragma once

#include "actors/base/deadline_queue.hpp"
#include "actors/base/last_will.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::ingress {

/// Limits and identity of a gateway.
struct gateway_config {
  std::string node_name;
  /// Largest serialized submit batch accepted; larger ones are refused whole.
  uint64_t max_message_bytes = 64 * 1024 * 1024;
  caf::timespan query_timeout = std::chrono::seconds(5);
  /// The time a job may take when it names none: its skill's timeout for
  /// the skills this node offers, else the node's `default-timeout`. The
  /// gateway, where remote clients' jobs come in, sets each job's one
  /// deadline from its timeout or these (`set_deadline` in
  /// messages/job.hpp); every layer after reads it.
  std::unordered_map<std::string, caf::timespan> skill_timeouts;
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// How long past a job's deadline the gateway waits for its result from
  /// inside the node before it answers TIMEOUT itself, as an internal fault.
  caf::timespan grace = gateway_result_grace;
  /// Called once per such internal fault (metrics); may be empty.
  std::function<void()> on_internal_fault;
  /// When the node stops, how long the gateway waits for each remote client
  /// to confirm that it received its last results.
  caf::timespan delivery_timeout = std::chrono::seconds(2);
  metrics::job_metrics_ptr metrics;
  /// Answers peers' cluster messages (its registered name in a node); null
  /// when the node is not clustered.
  membership_actor membership;
  /// Where status requests get the node's health (its registered name in a
  /// node); null: no health section.
  health_monitor_actor health;
  /// The node's supervisor tree, which `CrashActor` requests go to.
  supervisor_actor tree;
  /// The detached jobs of the node's gRPC door (its registered name); null
  /// when the node has no door.
  keeper_actor keeper;
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

  using time_point = caf::actor_clock::time_point;

  /// Who gets a job's result: a remote client or peer (results as
  /// protobuf bytes), or a port of this process (the gRPC door).
  struct client_ref {
    client_sink_actor actor;
    result_port_ptr port;
    /// Identifies the client: its actor or its port.
    const void* key = nullptr;

    static client_ref of(const client_sink_actor& x) {
      return {x, nullptr, x.address().get()};
    }
    static client_ref of(const result_port_ptr& x) {
      return {client_sink_actor{}, x, x.get()};
    }
  };

  struct waiter {
    client_ref client;
    uint64_t client_id;
    /// The job's deadline plus the grace period.
    time_point deadline;
    /// Where the router looks when the job is cancelled, and for the log
    /// when the job is answered as an internal fault.
    std::string skill;
  };

  struct outbox {
    client_ref client;
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
  std::unordered_map<const void*, uint64_t> clients;
  std::unordered_map<const void*, outbox> outboxes;
  bool flush_scheduled = false;
  /// Deadlines of the waiting jobs, checked by one timer at a time.
  base::deadline_queue deadlines;
  time_point tick_due = time_point::max();
  /// Set by `drain`: new jobs are refused, jobs in flight continue.
  bool draining = false;
  /// While draining: the clients results went to, which confirm receipt
  /// before the node exits.
  std::unordered_map<const void*, client_sink_actor> delivered_to;
  /// Answers every job in flight when the gateway ends (its results would
  /// have nowhere to go). Keep last: it runs first at destruction.
  base::last_will will;
};

/// The node's published face: decodes protobuf requests from remote clients
/// and peers, rejects what is malformed with a clear error (a whole batch it
/// cannot read with a refusal naming the batch, a job with bad text alone),
/// forwards jobs to the router under gateway-unique ids, and sends results
/// back in batches.
/// It monitors its clients: the jobs of a client that goes away (its
/// process ended, its connection broke) are cancelled, and a client can
/// cancel its jobs itself (`CancelJobs`).
/// Every job it accepted gets a result from it: a job whose result has not
/// come back from inside the node by its deadline plus `grace` is answered
/// TIMEOUT and logged and counted as an internal fault.
/// Results that arrive together leave together: a flush message to itself
/// goes out after everything already in the mailbox, so batching adds no
/// delay when traffic is light. When the gateway ends, results it already
/// has go out and every other job in flight is answered NODE_LOST; batches
/// it never read are left in its mailbox, which a supervised gateway hands
/// to its successor (they never ran).
gateway_actor::behavior_type
gateway(gateway_actor::stateful_pointer<gateway_state> self, gateway_config cfg,
        router_actor router);

} // namespace troupe::ingress
