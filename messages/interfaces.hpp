#pragma once

#include "messages/atoms.hpp"
#include "messages/batcher_stats.hpp"
#include "messages/job.hpp"
#include "messages/node_status.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <string>

// The typed actor handles every folder uses. In-process handles carry plain
// structs; the two remote handles (gateway, client sink) carry protobuf bytes
// from messages/troupe.proto so that any client speaking the schema works.
namespace troupe {

/// Receives terminal job results (in-process).
using result_sink_actor = caf::typed_actor<caf::reacts_to<job_result>>;

/// One native worker: runs one job at a time and reports to its pool.
/// Message: (run, ticket, input) -> the pool gets (done, ticket, result).
using worker_actor
  = caf::typed_actor<caf::reacts_to<atom::run, uint64_t, std::string>>;

/// A skill's pool: bounded queue in front of its workers.
using worker_pool_actor = caf::typed_actor<
  // Queue a job; its result goes to the sink.
  caf::reacts_to<job, result_sink_actor>,
  // A worker finished the job with this ticket.
  caf::reacts_to<atom::done, uint64_t, job_result>,
  // Deadline check.
  caf::reacts_to<atom::tick>,
  // The skill with this pool's current load.
  caf::replies_to<atom::status>::with<skill_info>>;

/// A node's entry point for in-process clients: validates and dispatches.
using router_actor
  = caf::typed_actor<caf::reacts_to<job, result_sink_actor>,
                     caf::replies_to<atom::skills>::with<skill_list>,
                     caf::replies_to<atom::status>::with<node_status>>;

/// Remote clients receive serialized `troupe.wire.ResultBatch` messages.
using client_sink_actor
  = caf::typed_actor<caf::reacts_to<atom::results, std::string>>;

/// A node's published entry point for remote clients and peers.
using gateway_actor = caf::typed_actor<
  // Serialized `troupe.wire.SubmitBatch`; results go to the sink in batches.
  caf::reacts_to<atom::submit, std::string, client_sink_actor>,
  // Serialized `troupe.wire.ClientRequest` -> `troupe.wire.ClientResponse`.
  caf::replies_to<atom::query, std::string>::with<std::string>,
  // Results of jobs the gateway forwarded (accepted from this process only).
  caf::reacts_to<job_result>,
  // Sends buffered results (the gateway sends this to itself).
  caf::reacts_to<atom::flush>>;

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
  // Counters of the link.
  caf::replies_to<atom::status>::with<batcher_stats>>;

} // namespace troupe
