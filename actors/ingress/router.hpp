#pragma once

#include "actors/base/last_will.hpp"
#include "actors/base/load_board.hpp"
#include "actors/cache/cache_metrics.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "cluster/cluster_metrics.hpp"
#include "cluster/placement.hpp"
#include "messages/interfaces.hpp"

#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe::ingress {

/// What the router needs to know about its node.
struct router_config {
  std::string node_name;
  std::string address;
  uint64_t max_job_bytes = 16 * 1024 * 1024;
  /// The time a job may take when it names none: its skill's timeout for
  /// the skills this node offers, else `default_timeout`. The router sets
  /// the deadline of a job it holds for the cluster view from its timeout
  /// or these (`set_deadline` in messages/job.hpp), so that the wait counts;
  /// other jobs get theirs from the first layer that holds them.
  std::unordered_map<std::string, caf::timespan> skill_timeouts;
  caf::timespan default_timeout = std::chrono::seconds(60);
  /// How long the router waits for a pool's status before reporting it
  /// without load figures.
  caf::timespan status_timeout = std::chrono::seconds(2);
  metrics::job_metrics_ptr metrics;
  /// Runs jobs on other members; null for a node on its own.
  dispatcher_actor dispatcher;
  /// Counts jobs exchanged with peers; null disables.
  cluster::cluster_metrics_ptr cluster_metrics;
  /// Jobs in flight as placement sees them, fresh: the node's pools' by
  /// skill, and its links' by member and skill (what this node sent to
  /// each member and has not had answered). Null: placement uses the
  /// members' heartbeats alone.
  base::load_board_ptr pool_load;
  base::load_board_ptr link_load;
  // -- result cache -----------------------------------------------------------
  /// Skills whose results are cached, with the version that goes into their
  /// cache keys. Empty: no cache, every job goes straight to its pool.
  std::unordered_map<std::string, std::string> cached_skills;
  /// The index in `cache_shards` of the shard that owns a key: the node's
  /// ring (cluster/shard_ring.hpp).
  std::function<uint32_t(const cache_key&)> cache_owner;
  /// This node's shards, asked for their figures by status requests.
  std::vector<cache_shard_actor> cache_shards;
  cache::cache_metrics_ptr cache_metrics;
  // -- supervision ------------------------------------------------------------
  /// Whether the router runs in a node's tree: then the handles above are
  /// registered names (actors/supervision/registered_name.hpp), which reach
  /// the current incarnation of each actor, and jobs the router holds when
  /// it ends go on to its successor. Otherwise it answers them.
  bool supervised = false;
  /// Jobs of skills this node does not offer held, with a dispatcher, while
  /// the first cluster view has not come; beyond, they are routed at once.
  size_t max_held_jobs = 100'000;
  /// How long jobs wait for the first cluster view before they are routed
  /// without it.
  caf::timespan view_timeout = std::chrono::seconds(5);
  // -- breakers ---------------------------------------------------------------
  /// The breakers in front of the pools of skills that have one: their jobs
  /// go through them, operators' commands go to them.
  std::unordered_map<std::string, breaker_actor> breakers;
};

/// State of a node's router: the table of skills this node offers.
struct router_state {
  static constexpr const char* name = "router";
  router_config cfg;
  /// The live view of the cluster (empty: a node on its own) and the jobs
  /// sent to each member since its last heartbeat.
  std::vector<member> members;
  /// Whether a cluster view came (or the wait for it ended); until then,
  /// jobs for skills offered elsewhere wait in `held_for_view` (a
  /// restarted router knows no members until the membership tells it).
  bool has_view = false;
  std::vector<std::pair<job, result_sink_actor>> held_for_view;
  /// What placement knows of a skill's jobs in flight on one member: the
  /// load board's fresh count (this node's pools', or what its link to the
  /// member holds) and, for other members, the jobs other nodes gave them
  /// as of the last heartbeat (its busy + queued less this node's part).
  struct skill_count {
    base::load_board::counter_ptr count;
    int64_t others = 0;
  };
  /// By skill, looked up with the strings at hand (placing a job allocates
  /// nothing once a skill was seen).
  using counts_by_skill = std::unordered_map<std::string, skill_count>;
  counts_by_skill pool_counts;
  std::unordered_map<std::string, counts_by_skill> link_counts;
  /// Ready links to members (from the dispatcher): name -> incarnation and
  /// the batcher that carries jobs there.
  std::unordered_map<std::string, std::pair<uint64_t, batcher_actor>> links;
  /// Counters of jobs exchanged with each peer, by direction.
  std::unordered_map<std::string, prometheus::Counter*> jobs_in;
  std::unordered_map<std::string, prometheus::Counter*> jobs_out;
  /// Skill -> its pool.
  std::unordered_map<std::string, worker_pool_actor> pools;
  /// Where each skill's jobs go: its breaker, or its pool without one.
  std::unordered_map<std::string, job_runner_actor> targets;
  /// Comma-separated skill names, for UNKNOWN_SKILL messages.
  std::string skill_names;
  std::chrono::steady_clock::time_point started;
  /// The correlation id of the next job that comes without one (never 0).
  uint64_t next_trace = 1;
  /// Jobs of cached skills that bypassed the cache.
  uint64_t cache_bypassed = 0;
  /// Jobs submitted by typed request, under ids of the router's own: the
  /// job's id and the promise its result answers.
  struct request {
    uint64_t id;
    caf::typed_response_promise<job_result> promise;
  };
  std::unordered_map<uint64_t, request> requests;
  uint64_t next_request = 1;
  /// Answers the requests in flight when the router ends. Keep last: it
  /// runs first at destruction.
  base::last_will will;
};

/// The node's entry point for jobs: rejects malformed jobs (BAD_INPUT) and
/// unknown skills (UNKNOWN_SKILL, listing where skills live), places each
/// job on a member of the cluster that offers its skill (this node unless it
/// is busier; jobs other members placed here always stay), sends local jobs
/// of cached skills to the cache shard owning their key (unless they bypass
/// the cache), other local ones to their skill's pool and remote ones to the
/// dispatcher, and answers skill and status queries by asking every pool
/// and shard. A job may also come as a typed request (`request(router,
/// timeout, job)`), answered with its result. Cancellations go to every
/// pool, which end the sink's named jobs they hold. In a node, the handles
/// it is given are registered names, so restarts of the actors behind them
/// change nothing here.
router_actor::behavior_type
router(router_actor::stateful_pointer<router_state> self, router_config cfg,
       std::unordered_map<std::string, worker_pool_actor> pools);

} // namespace troupe::ingress
