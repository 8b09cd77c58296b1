#pragma once

#include "actors/batch_metrics.hpp"
#include "actors/batch_policy.hpp"
#include "messages/interfaces.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe {

/// What a dispatcher needs to know about its node.
struct dispatcher_config {
  /// This node's member name (jobs placed back here go to `router`).
  std::string self;
  /// The local router, for jobs that fail over to this node (usually sent
  /// in a message after spawning, since the router needs the dispatcher).
  router_actor router;
  /// Batching of each link to a peer.
  batch_limits limits;
  /// Deadline of jobs that set none (the peers apply the same).
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// How long connecting to a peer may take before its jobs fail over.
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// Null disables batch metrics.
  batch_metrics_ptr metrics;
  /// The node's supervisor tree, followed for the current router and
  /// membership; null when the router given here never changes.
  supervisor_actor tree;
};

/// State of a dispatcher: a link (connection + batcher) per peer. It keeps
/// no table of the jobs it carries: results go from the batchers straight to
/// each job's submitter, and only jobs lost with their member come back.
struct dispatcher_state {
  static constexpr const char* name = "dispatcher";

  struct link {
    std::string address;
    uint64_t incarnation = 0;
    batcher_actor batcher;
    bool connecting = false;
    /// Jobs waiting for the connection.
    std::vector<std::pair<job, result_sink_actor>> waiting;
  };

  dispatcher_config cfg;
  std::vector<member> members;
  std::unordered_map<std::string, link> links;
  uint64_t failed_over = 0;
};

/// Runs jobs on other members: `(run, target, job, sink)` sends the job,
/// marked placed, to member `target` through a batcher per peer (connected
/// on first use; the router learns each link and then sends to it
/// directly) and the result goes to the sink. A job lost with its member
/// (broken connection, or declared down while hung) comes back from the
/// batcher and is placed again, this node included, if its skill is
/// idempotent and attempts remain; otherwise it ends NODE_LOST saying why.
/// Nothing waits forever: batchers answer every job by its deadline.
dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           dispatcher_config cfg);

} // namespace troupe
