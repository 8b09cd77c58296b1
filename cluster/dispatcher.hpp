#pragma once

#include "actors/base/load_board.hpp"
#include "actors/link/batch_metrics.hpp"
#include "actors/link/batch_policy.hpp"
#include "actors/link/batcher.hpp"
#include "cluster/member_links.hpp"
#include "messages/interfaces.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::cluster {

/// What a dispatcher needs to know about its node.
struct dispatcher_config {
  /// This node's member name (jobs placed back here go to `router`).
  std::string self;
  /// The local router (its registered name in a node), for jobs that fail
  /// over to this node.
  router_actor router;
  /// Batching of each link to a peer.
  link::batch_limits limits;
  /// Deadline of jobs that set none (the peers apply the same).
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// How long jobs wait for the first cluster view before they are
  /// placed without it.
  caf::timespan view_timeout = std::chrono::seconds(5);
  /// How long connecting to a peer may take before its jobs fail over.
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// After a failed connection attempt a member is not tried again for this
  /// long, doubling on each failure up to `reconnect_backoff_max`; jobs for
  /// it meanwhile go to other members, or wait for the next attempt when
  /// no other member offers their skill.
  caf::timespan reconnect_backoff = std::chrono::milliseconds(100);
  caf::timespan reconnect_backoff_max = std::chrono::seconds(2);
  /// Failed attempts in a row after which jobs stop waiting for a member
  /// that is still up but cannot be reached (they end NODE_LOST unless
  /// another member offers their skill).
  uint32_t reconnect_attempts = 5;
  /// Null disables batch metrics.
  link::batch_metrics_ptr metrics;
  /// Where the links count the jobs they hold, by member and skill, for
  /// placement; null = not counted.
  base::load_board_ptr load;
  /// The node's member links, through which it reaches its peers.
  links_actor links;
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
    /// The gateway the batcher talks to.
    caf::actor_addr gateway;
    bool connecting = false;
    /// A connection attempt is due after a backoff.
    bool retry_armed = false;
    /// Jobs waiting for the connection.
    std::vector<std::pair<job, result_sink_actor>> waiting;
  };

  /// A member whose last connection attempt failed: not tried again before
  /// `retry_at`.
  struct backoff {
    uint64_t incarnation = 0;
    std::chrono::steady_clock::time_point retry_at;
    caf::timespan delay{0};
    /// Failed attempts in a row.
    uint32_t failures = 0;
    std::string why;
  };

  /// A job that came before the first cluster view (a restarted
  /// dispatcher knows no members until the membership tells it): placing
  /// it without the view would fail it for want of members.
  struct early_job {
    /// Empty for `(run, target, ...)`; the lost member for a failover.
    std::string from;
    std::string target_or_why;
    bool sent = false;
    job j;
    result_sink_actor sink;
  };

  dispatcher_config cfg;
  bool has_view = false;
  std::vector<early_job> early;
  std::vector<member> members;
  std::unordered_map<std::string, link> links;
  std::unordered_map<std::string, backoff> unreachable;
  /// The gateway of each member whose link broke: the middleman may hand
  /// out its ended proxy for a moment longer (it caches connections until
  /// it hears of the end itself), which must not become a new link.
  std::unordered_map<std::string, caf::actor_addr> ended_gateways;
  uint64_t failed_over = 0;
};

/// Runs jobs on other members: `(run, target, job, sink)` sends the job,
/// marked placed, to member `target` through a batcher per peer (connected
/// on first use; the router learns each link and then sends to it
/// directly) and the result goes to the sink. A job lost with its member
/// (broken connection, or declared down while hung) comes back from the
/// batcher and is placed again, this node included, if its skill is
/// idempotent and attempts remain; otherwise it ends NODE_LOST saying why.
/// A job that never left (it waited for a connection, sat in a batcher's
/// buffer, or reached a link after it ended) is placed again whatever its
/// skill, since it cannot have run. Links are batchers that divert what
/// reaches them after they end back here (`spawn_link`), so a link may be
/// ended while others still hold it. Nothing waits forever: batchers answer
/// every job by its deadline.
dispatcher_actor::behavior_type
dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
           dispatcher_config cfg);

/// Spawns a batcher to `destination` (linked to `parent`) whose jobs, once
/// it ended, go to `cfg.failover` as jobs that never left, instead of being
/// dropped with it.
batcher_actor spawn_link(caf::local_actor* parent, gateway_actor destination,
                         link::batcher_config cfg);

} // namespace troupe::cluster
