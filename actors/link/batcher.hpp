#pragma once

#include "actors/base/deadline_queue.hpp"
#include "actors/base/last_will.hpp"
#include "actors/base/load_board.hpp"
#include "actors/link/batch_metrics.hpp"
#include "actors/link/batch_policy.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::link {

/// What a batcher needs to know; filled by whoever spawns it.
struct batcher_config {
  /// Name of the destination in results, logs and metrics (e.g. HOST:PORT).
  std::string destination_name;
  /// Name of the local node, for results the batcher produces itself.
  std::string node_name;
  batch_limits limits;
  /// Deadline of jobs that set none (the destination applies the same).
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// How long past a job's own deadline the batcher waits for its result
  /// before answering TIMEOUT itself (the destination answers first when it
  /// is alive).
  caf::timespan grace = std::chrono::seconds(2);
  /// Null disables metrics.
  batch_metrics_ptr metrics;
  /// When set, jobs lost with the destination go there (to run elsewhere)
  /// instead of ending NODE_LOST; the batcher then keeps each job's content
  /// until it is answered.
  failover_actor failover;
  /// The node's board of jobs in flight by member and skill, which this
  /// link keeps current for the router's placement; null = not counted.
  base::load_board_ptr load;
};

/// State of a batcher: the jobs it holds, by batcher-local id, and the buffer
/// of those not sent yet.
struct batcher_state {
  static constexpr const char* name = "batcher";

  using clock = caf::actor_clock;
  using time_point = clock::time_point;

  struct pending_job {
    result_sink_actor sink;
    /// The id the submitter gave the job.
    uint64_t client_id = 0;
    time_point arrived;
    time_point deadline;
    /// Set once the job went out in a batch.
    time_point sent;
    /// The job as submitted, kept only for failover.
    job held;
    /// The batch it went out in, for a refusal naming that batch.
    uint64_t batch = 0;
    /// The count of the job's skill on the load board; null = not counted.
    base::load_share* load = nullptr;
  };

  batcher_config cfg;
  gateway_actor destination;
  batch_policy policy;
  batch_metrics::peer_series series;
  bool has_metrics = false;
  batcher_stats stats;

  uint64_t next_id = 1;
  uint64_t next_batch = 1;
  /// This link's counts on the node's load board, by skill.
  std::unordered_map<std::string, base::load_share> load;
  std::unordered_map<uint64_t, pending_job> jobs;
  /// Jobs not sent yet, in arrival order (ids already rewritten).
  std::vector<job> buffer;
  /// Arrival time of the oldest buffered job.
  time_point oldest;
  /// Whether a flush check (message or timer) is on its way, and whether the
  /// current buffer has waited for company.
  bool flush_pending = false;
  bool lingering = false;
  bool destination_down = false;
  std::string down_reason;
  base::deadline_queue deadlines;
  time_point tick_due = time_point::max();
  /// Hands back every job it holds (or has not read) when the batcher ends
  /// for any reason. Keep last: it runs first at destruction.
  base::last_will will;
};

/// A batcher: carries jobs to one destination gateway in `SubmitBatch`
/// messages, flushing on max count, max bytes or linger (adaptive, see
/// `batch_policy`), and matches each result in the `ResultBatch`es that come
/// back to its own submitter. Order is preserved. Every job gets exactly one
/// result: the destination's, or OVERLOADED (the destination is too slow and
/// the buffer is full), NODE_LOST (the destination went away) or TIMEOUT (no
/// answer by the job's deadline plus a grace period). A batcher that ends
/// (its dispatcher restarts, or it crashed) hands back its jobs the same way
/// as when its destination goes down.
batcher_actor::behavior_type
batcher(batcher_actor::stateful_pointer<batcher_state> self,
        gateway_actor destination, batcher_config cfg);

} // namespace troupe::link
