#pragma once

#include "messages/job_status.hpp"

#include <caf/actor_clock.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace troupe {

/// The longest deadline a job may ask for; longer requests are clamped so
/// that deadlines (arrival + timeout) never overflow the clock.
inline constexpr caf::timespan max_job_timeout
  = std::chrono::duration_cast<caf::timespan>(std::chrono::hours(24 * 365));

/// How long past a job's deadline a node's gateway waits for the job's
/// result from inside the node before it answers TIMEOUT itself (an internal
/// fault). Longer than a link's grace (a batcher's, 2 s), so that the
/// TIMEOUT of a job placed on another member arrives first.
inline constexpr caf::timespan gateway_result_grace
  = std::chrono::duration_cast<caf::timespan>(std::chrono::seconds(5));

/// How long past a job's deadline a remote client waits before it answers
/// TIMEOUT itself: longer than the gateway's grace, so that no client
/// depends on its own timer while its node lives.
inline constexpr caf::timespan client_result_grace = 2 * gateway_result_grace;

/// Per-job options chosen by the client; zero values mean "node default".
struct job_options {
  /// Deadline for the job, measured from its arrival at the node.
  caf::timespan timeout{0};
  /// When the job is due on this node's clock: set once where the job comes
  /// into the node (its router, from `timeout` or the skill's default) and
  /// read by every layer after it, none of which derives a deadline of its
  /// own. The epoch means "not set yet". Never sent to another member: a
  /// link sends the time left as `timeout`, and the receiving node sets its
  /// own deadline from that.
  caf::actor_clock::time_point deadline{};
  cache_mode cache = cache_mode::normal;
  /// Higher runs first.
  int32_t priority = 0;
  /// Attempts including the first; 0 uses the skill's default.
  uint32_t max_attempts = 0;
  /// Set by the node that chose where the job runs: the receiving node runs
  /// it itself and never sends it on (no forwarding loops).
  bool placed = false;
  /// The node that placed the job (metrics), with `placed`.
  std::string origin;
  /// With `placed`: the receiving node owns the job's cache key (see
  /// cluster/cache_ring.hpp) and looks it up in its own cache first.
  bool cache_lookup = false;
  /// The job's correlation id: chosen by the client or, when 0, by the
  /// router of the node that takes the job in; kept unchanged by every
  /// layer and member the job passes (whatever ids they give it), and
  /// written on every log line about the job.
  uint64_t trace = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_options& x) {
  return f(caf::meta::type_name("job_options"), x.timeout, x.cache, x.priority,
           x.max_attempts, x.placed, x.origin, x.cache_lookup, x.trace);
}

/// A unit of work: run `skill` on `input`. The id is chosen by whoever
/// submits the job and comes back unchanged in its `job_result`; it only needs
/// to be unique among that submitter's outstanding jobs.
struct job {
  uint64_t id = 0;
  std::string skill;
  std::string input;
  job_options options;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job& x) {
  return f(caf::meta::type_name("job"), x.id, x.skill, x.input, x.options);
}

/// When `j`, arriving `now`, is due: the deadline set where it came into
/// the node, or, for a job that came in another way (an embedding
/// application's actor sending to a pool directly), `now` plus its timeout,
/// or `fallback` when it names none.
inline caf::actor_clock::time_point
deadline_of(const job& j, caf::actor_clock::time_point now,
            caf::timespan fallback) {
  if (j.options.deadline != caf::actor_clock::time_point{})
    return j.options.deadline;
  auto timeout = j.options.timeout > caf::timespan{0} ? j.options.timeout
                                                      : fallback;
  return now + std::min(timeout, max_job_timeout);
}

/// Sets `j`'s deadline where it comes into a node; see `deadline_of`. A job
/// that named no timeout gets `fallback` as its timeout too, so that layers
/// can say how long it was allowed.
inline void set_deadline(job& j, caf::actor_clock::time_point now,
                         caf::timespan fallback) {
  j.options.deadline = deadline_of(j, now, fallback);
  if (j.options.timeout <= caf::timespan{0})
    j.options.timeout = std::min(fallback, max_job_timeout);
}

/// The one terminal answer to a job.
struct job_result {
  uint64_t id = 0;
  job_status status = job_status::internal;
  /// The skill's output when `status == ok`.
  std::string output;
  /// What went wrong otherwise, phrased for a person to act on.
  std::string error;
  std::string skill;
  /// The node that produced the result.
  std::string node;
  caf::timespan queue_time{0};
  caf::timespan run_time{0};
  bool cache_hit = false;
  uint32_t attempts = 0;
  /// Set when the skill's breaker was open and its fallback skill answered
  /// instead: the name of that skill.
  std::string fallback;
  /// With BREAKER_OPEN: how long until the breaker lets trial calls through
  /// (0 when unknown, e.g. forced open).
  caf::timespan retry_after{0};
  /// The last attempt ended because the worker running it died (a crash, a
  /// kill), not with the skill's answer: the job's retry owner may run it
  /// again.
  bool worker_lost = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_result& x) {
  return f(caf::meta::type_name("job_result"), x.id, x.status, x.output,
           x.error, x.skill, x.node, x.queue_time, x.run_time, x.cache_hit,
           x.attempts, x.fallback, x.retry_after, x.worker_lost);
}

/// Builds a result that failed before running: no output, no timings.
inline job_result make_failure(const job& j, job_status status,
                               std::string error) {
  job_result r;
  r.id = j.id;
  r.status = status;
  r.error = std::move(error);
  r.skill = j.skill;
  return r;
}

} // namespace troupe
