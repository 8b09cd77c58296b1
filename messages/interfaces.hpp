#pragma once

#include "messages/atoms.hpp"
#include "messages/batcher_stats.hpp"
#include "messages/breaker_status.hpp"
#include "messages/cache_key.hpp"
#include "messages/cache_status.hpp"
#include "messages/health.hpp"
#include "messages/job.hpp"
#include "messages/member.hpp"
#include "messages/node_status.hpp"
#include "messages/result_port.hpp"
#include "messages/supervision.hpp"

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

// The typed actor handles every folder uses. In-process handles carry plain
// structs; the two remote handles (gateway, client sink) carry protobuf bytes
// from messages/wire/troupe.proto so that any client speaking the schema works.
// Enums of higher layers that messages carry, declared here as CAF's
// fwd.hpp does, so that signatures keep their types without this folder
// depending on those layers.
namespace troupe::pool {
/// Why a pool replaced a worker (actors/pool/restart_reason.hpp).
enum class restart_reason : uint8_t;
} // namespace troupe::pool

namespace troupe {

/// Receives terminal job results (in-process).
using result_sink_actor = caf::typed_actor<caf::reacts_to<job_result>>;

/// Anything that runs jobs: takes a job and sends its one result to the
/// sink. Pools, routers, batchers and breakers all are; so is any actor of
/// an application that handles `(job, result_sink_actor)`, which can then
/// sit behind troupe's building blocks (a cache shard, a breaker).
using job_runner_actor
  = caf::typed_actor<caf::reacts_to<job, result_sink_actor>>;

/// A worker actor of a pool (scheduled native skills): runs one job at a
/// time; the pool gets (done, worker id, ticket, result) for each.
using worker_actor = caf::typed_actor<
  // Run the job with this ticket on this input within this time.
  caf::reacts_to<atom::run, uint64_t, std::string, caf::timespan>,
  // The job with this ticket was answered already (timeout, cancellation);
  // its result will be dropped.
  caf::reacts_to<atom::cancel, uint64_t>,
  // Retire: finish nothing more and end.
  caf::reacts_to<atom::stop>>;

/// A skill's pool: bounded priority queue in front of its workers.
using worker_pool_actor = caf::typed_actor<
  // Queue a job; its result goes to the sink.
  caf::reacts_to<job, result_sink_actor>,
  // Worker (id) finished the job with this ticket.
  caf::reacts_to<atom::done, uint64_t, uint64_t, job_result>,
  // Worker (id) is gone, with the job it ran (ticket, 0 = none), why and
  // what happened, for a person.
  caf::reacts_to<atom::lost, uint64_t, uint64_t, pool::restart_reason,
                 std::string>,
  // Process worker (id) is up and answered its first ping.
  caf::reacts_to<atom::ready, uint64_t>,
  // Cancel these jobs (ids as their submitter, the sink, gave them).
  caf::reacts_to<atom::cancel, std::vector<uint64_t>, result_sink_actor>,
  // Deadline, idle-retirement and restart checks.
  caf::reacts_to<atom::tick>,
  // The skill with this pool's current load.
  caf::replies_to<atom::status>::with<skill_info>>;

/// One shard of a node's result cache: owns a slice of the key space, its
/// cached results and the single-flight table of its keys.
using cache_shard_actor = caf::typed_actor<
  // A job of a cached skill with its key; on a miss the shard runs it on
  // the runner (the skill's breaker, or its pool). The result goes to the
  // sink.
  caf::reacts_to<job, cache_key, job_runner_actor, result_sink_actor>,
  // The result of an execution the shard started (id = its flight id).
  caf::reacts_to<job_result>,
  // Expiry sweep (the shard sends this to itself).
  caf::reacts_to<atom::tick>,
  // A waiter's deadline may have passed (the shard sends this to itself).
  caf::reacts_to<atom::expire>,
  // The shard's figures.
  caf::replies_to<atom::status>::with<cache_status>,
  // Cancel the jobs with these ids that this sink submitted and that wait
  // for an execution: each ends CANCELLED; an execution nobody waits for
  // any more is cancelled in its runner.
  caf::reacts_to<atom::cancel, std::vector<uint64_t>, result_sink_actor>>;

/// Takes back jobs whose destination was lost, to run them elsewhere:
/// (leave, member, why, sent, job, sink); `sent` tells whether the job left
/// for the member (it may have run there) or never did; the job carries
/// its submitter's id and its remaining attempts.
using failover_actor
  = caf::typed_actor<caf::reacts_to<atom::leave, std::string, std::string, bool,
                                    job, result_sink_actor>>;

/// Carries jobs to one gateway (a peer node's, or any node's) in batches and
/// hands each result back to its own sink: a batch is a transport detail.
using batcher_actor = caf::typed_actor<
  // A job for the destination; its result goes to the sink.
  caf::reacts_to<job, result_sink_actor>,
  // Serialized `troupe.wire.ResultBatch` from the destination.
  caf::reacts_to<atom::results, std::string>,
  // Flush check (the batcher sends this to itself).
  caf::reacts_to<atom::flush>,
  // Deadline check.
  caf::reacts_to<atom::tick>,
  // The destination was declared lost (it may still be connected but hung):
  // fail every held job NODE_LOST and refuse new ones.
  caf::reacts_to<atom::leave, std::string>,
  // Counters of the link.
  caf::replies_to<atom::status>::with<batcher_stats>,
  // Cancel the jobs with these ids that this sink submitted: unsent ones
  // end CANCELLED at once, sent ones are cancelled at the destination.
  caf::reacts_to<atom::cancel, std::vector<uint64_t>, result_sink_actor>>;

/// A node's entry point for in-process clients: validates and dispatches.
using router_actor = caf::typed_actor<
  caf::reacts_to<job, result_sink_actor>,
  // The same as a typed request: the job's result is the response (with
  // the job's own id). Convenient for applications that embed a node; the
  // form above costs less per job (no pending request on either side).
  caf::replies_to<job>::with<job_result>,
  // Results of jobs submitted by request.
  caf::reacts_to<job_result>, caf::replies_to<atom::skills>::with<skill_list>,
  caf::replies_to<atom::status>::with<node_status>,
  // Cancel the jobs of this skill with these ids that this sink submitted,
  // wherever they wait or run; each ends CANCELLED. The skill tells the
  // router where they can be, so nothing else is asked.
  caf::reacts_to<atom::cancel, std::string, std::vector<uint64_t>,
                 result_sink_actor>,
  // The cluster view, for placing jobs on other members.
  caf::reacts_to<cluster_view>,
  // A link to a member is ready (name, incarnation, its
  // batcher): jobs placed there go to it directly.
  caf::reacts_to<atom::join, std::string, uint64_t, batcher_actor>,
  // An operator's command for the breaker of a skill -> its status after.
  caf::replies_to<atom::breaker, std::string,
                  breaker_command>::with<breaker_status>,
  // The cluster view did not come in time (the router sends this to
  // itself): jobs held for it are routed without it.
  caf::reacts_to<atom::tick>,
  // Load figures for the health monitor.
  caf::replies_to<atom::health>::with<health_report>>;

/// A skill's circuit breaker and retries, in front of its pool: lets jobs
/// through, rejects them while open (BREAKER_OPEN or the skill's fallback),
/// and retries failed attempts with backoff.
using breaker_actor = caf::typed_actor<
  // A job of the skill; its result goes to the sink.
  caf::reacts_to<job, result_sink_actor>,
  // The result of an attempt or a fallback the breaker started (id = its
  // own).
  caf::reacts_to<job_result>,
  // Timed transitions and retries (the breaker sends this to itself).
  caf::reacts_to<atom::tick>,
  // The node's router, which runs fallback jobs (sent once at start).
  caf::reacts_to<router_actor>,
  // The breaker's figures.
  caf::replies_to<atom::status>::with<breaker_status>,
  // An operator's command -> the status after it.
  caf::replies_to<atom::breaker, breaker_command>::with<breaker_status>,
  // Cancel the jobs with these ids that this sink submitted: each ends
  // CANCELLED, whether it runs or waits for its next attempt.
  caf::reacts_to<atom::cancel, std::vector<uint64_t>, result_sink_actor>>;

/// Remote clients receive serialized `troupe.wire.ResultBatch` messages.
/// A stopping node may also send a client a request `(ping)` after its last
/// results: any answer (even an error) proves that the results before it
/// arrived, since one connection keeps its order. Sinks need not handle it.
using client_sink_actor
  = caf::typed_actor<caf::reacts_to<atom::results, std::string>>;

/// A node's published entry point for remote clients and peers.
using gateway_actor = caf::typed_actor<
  // Serialized `troupe.wire.SubmitBatch`; results go to the sink in batches.
  caf::reacts_to<atom::submit, std::string, client_sink_actor>,
  // Jobs from a client port of this process (the gRPC door), with the ids
  // the port gave them; their results go to the port in batches.
  caf::reacts_to<atom::submit, std::vector<job>, result_port_ptr>,
  // Cancel these jobs of the port (ids as it gave them): each ends
  // CANCELLED unless it ended first.
  caf::reacts_to<atom::cancel, std::vector<uint64_t>, result_port_ptr>,
  // The port closed: its jobs in flight are cancelled, their results
  // dropped.
  caf::reacts_to<atom::leave, result_port_ptr>,
  // The node's status: the router's figures, the cluster view and health.
  caf::replies_to<atom::status>::with<node_status>,
  // Test hook (nodes with `--test-skills` only): makes the actor at this
  // path below the node's root crash; answers what the node did.
  caf::replies_to<atom::crash, std::string>::with<std::string>,
  // Serialized `troupe.wire.CancelJobs` from the client with this sink: its
  // jobs with these ids end CANCELLED (a client that goes away has all its
  // jobs cancelled without asking).
  caf::reacts_to<atom::cancel, std::string, client_sink_actor>,
  // Serialized `troupe.wire.ClusterMessage` from a peer's membership ->
  // `troupe.wire.ClusterReply` (handled by this node's membership).
  caf::replies_to<atom::cluster, std::string>::with<std::string>,
  // Results of jobs the gateway forwarded (accepted from this process only).
  caf::reacts_to<job_result>,
  // Sends buffered results (the gateway sends this to itself).
  caf::reacts_to<atom::flush>,
  // Checks the deadlines of waiting jobs (the gateway's own timer).
  caf::reacts_to<atom::tick>,
  // Load figures for the health monitor.
  caf::replies_to<atom::health>::with<health_report>,
  // Stop accepting jobs (draining); answers how many are still in flight.
  caf::replies_to<atom::drain>::with<uint64_t>,
  // Ends every job in flight CANCELLED with this reason and answers how
  // many, once every remote client that got results since the drain began
  // confirmed receipt (or did not within a short timeout).
  caf::replies_to<atom::cancel, std::string>::with<uint64_t>,
  // Detached job `id` of `owner` (messages/detached.hpp), held by this
  // member or another one (the gateway asks it on the caller's behalf; for
  // another member's gateway it answers only for jobs held here): waits up
  // to the timespan for the job to end, then answers its detached_state
  // and, when done, its serialized `troupe.v1.JobResult` (when lost, why).
  caf::replies_to<atom::get, std::string, std::string,
                  caf::timespan>::with<int32_t, std::string>,
  // Cancels `owner`'s detached jobs among these ids, wherever they are
  // held; answers how many had not ended.
  caf::replies_to<atom::cancel, std::string,
                  std::vector<std::string>>::with<uint32_t>>;

/// The detached jobs a node's gRPC door holds, for its gateway (which asks
/// on behalf of any member's clients).
using keeper_actor = caf::typed_actor<
  // As the gateway's: job `id` of `owner`, waiting up to the timespan.
  caf::replies_to<atom::get, std::string, std::string,
                  caf::timespan>::with<int32_t, std::string>,
  // As the gateway's, for jobs held here.
  caf::replies_to<atom::cancel, std::string,
                  std::vector<std::string>>::with<uint32_t>,
  // The job of wait N ended, with its detached_state and result (from
  // the keeper's callback).
  caf::reacts_to<atom::done, uint64_t, int32_t, std::string>,
  // Wait N is over (the actor's own timer).
  caf::reacts_to<atom::expire, uint64_t>>;

/// Receives the cluster view whenever it changes (routing).
using view_listener_actor = caf::typed_actor<caf::reacts_to<cluster_view>>;

/// A node's cluster membership: its view, heartbeats to every peer, failure
/// detection.
using membership_actor = caf::typed_actor<
  // Serialized `troupe.wire.ClusterMessage` from a peer (through the
  // gateway) -> serialized `troupe.wire.ClusterReply`.
  caf::replies_to<atom::cluster, std::string>::with<std::string>,
  // Join through the configured seeds; answers true once joined (or when
  // there are no seeds), an error when refused or no seed answers in time.
  caf::replies_to<atom::join>::with<bool>,
  // Leave cleanly: tell every peer, then answer.
  caf::replies_to<atom::leave>::with<bool>,
  // The current view.
  caf::replies_to<atom::members>::with<cluster_view>,
  // The member of this name: its member_status, its incarnation and its
  // gateway (null while not connected); an error when it is not in the
  // view.
  caf::replies_to<atom::get, std::string>::with<uint8_t, uint64_t,
                                                gateway_actor>,
  // Send the view to this listener now and on every change.
  caf::reacts_to<atom::subscribe, view_listener_actor>,
  // Heartbeat.
  caf::reacts_to<atom::tick>>;

/// Runs jobs on other members of the cluster and fails them over when a
/// member is lost.
using dispatcher_actor = caf::typed_actor<
  // Run the job on member `target`; its result goes to the sink.
  caf::reacts_to<atom::run, std::string, job, result_sink_actor>,
  // The cluster view (from the membership).
  caf::reacts_to<cluster_view>,
  // A job whose member was lost (from a batcher), and whether it had left
  // for the member: place it again.
  caf::reacts_to<atom::leave, std::string, std::string, bool, job,
                 result_sink_actor>,
  // Time to connect to this member again after a failed attempt (the
  // dispatcher sends this to itself).
  caf::reacts_to<atom::restart, std::string>,
  // The cluster view did not come in time (the dispatcher sends this to
  // itself): jobs held for it are placed without it.
  caf::reacts_to<atom::tick>,
  // A router (re)started: send it the ready links.
  caf::reacts_to<atom::join>,
  // Load figures for the health monitor.
  caf::replies_to<atom::health>::with<health_report>>;

/// A supervisor (actors/supervision/supervisor.hpp): starts its children in
/// order, restarts them by its strategy, stops them in reverse order.
using supervisor_actor = caf::typed_actor<
  // Sends the watcher (any actor handling `child_event`) one event per actor
  // of its subtree now and another whenever one starts or stops.
  caf::reacts_to<atom::watch, caf::actor>,
  // An event from a child supervisor, relayed to this one's watchers.
  caf::reacts_to<child_event>,
  // The running child with this name.
  caf::replies_to<atom::get, std::string>::with<caf::actor>,
  // Children, their states and restart counts.
  caf::replies_to<atom::status>::with<supervisor_report>,
  // Stops every child in reverse start order, then the supervisor.
  caf::reacts_to<atom::stop>,
  // Test hook (only when enabled): makes the actor at this path below the
  // supervisor crash, e.g. "router" or "skills/echo"; answers what it did.
  caf::replies_to<atom::crash, std::string>::with<std::string>,
  // Timers the supervisor sets itself: a delayed restart, a shutdown timeout.
  caf::reacts_to<atom::restart, uint64_t>,
  caf::reacts_to<atom::expire, uint64_t>>;

/// A node's health monitor: polls every long-lived actor of its tree on an
/// interval, scores the node and raises alerts.
using health_monitor_actor
  = caf::typed_actor<caf::reacts_to<child_event>,
                     // Poll round (the monitor sends this to itself).
                     caf::reacts_to<atom::tick>,
                     caf::replies_to<atom::status>::with<health_status>>;

} // namespace troupe
