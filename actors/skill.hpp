#pragma once

#include "actors/breaker_policy.hpp"
#include "actors/cache_policy.hpp"
#include "actors/retry_policy.hpp"
#include "messages/job.hpp"
#include "messages/job_status.hpp"

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace troupe {

/// What a skill function returns: `ok` with its output, or an error status
/// with a message for a person.
struct skill_output {
  job_status status = job_status::ok;
  std::string data;

  static skill_output success(std::string out) {
    return {job_status::ok, std::move(out)};
  }

  static skill_output failure(job_status st, std::string message) {
    return {st, std::move(message)};
  }
};

/// A native skill. It may throw a `std::exception`, which fails the job with
/// SKILL_ERROR and leaves the worker alive.
using skill_function = std::function<skill_output(const std::string& input)>;

/// Thrown (it is deliberately not a `std::exception`) to make the worker
/// running the skill die abruptly, as a crash in real skill code would. The
/// pool answers the job and replaces the worker.
struct worker_crash {};

/// Where a native skill's code runs.
enum class skill_mode : uint8_t {
  /// Inside the pool actor: no hand-off at all, the fastest path. Only for
  /// short code that never blocks; one pool runs one such job at a time.
  in_pool,
  /// In worker actors on the actor scheduler: non-blocking code that should
  /// spread over several scheduler threads.
  scheduled,
  /// In worker actors with a thread each: code that may sleep, wait on I/O
  /// or compute for a while without stalling anything else.
  blocking,
};

/// A named unit of work and how the node runs it.
struct skill_definition {
  std::string name;
  std::string version = "1";
  std::string description;
  /// Blocking unless the skill's author knows better: a blocking skill on
  /// the scheduler would stall the node.
  skill_mode mode = skill_mode::blocking;
  /// Workers in the pool; 0 = the node default.
  uint32_t workers = 0;
  /// Bounded queue capacity; 0 = the node default.
  uint64_t queue_capacity = 0;
  /// Whether running a job twice is harmless; only then are jobs retried
  /// (after a worker crash, a failed attempt or a lost node).
  bool idempotent = true;
  /// Attempts per job including the first, unless the job asks for fewer.
  uint32_t max_attempts = 2;
  /// Which failed attempts are tried again, and how long to wait before.
  retry_policy retry;
  /// The skill's circuit breaker and fallback.
  breaker_policy breaker;
  /// Deadline of jobs that set none; 0 = the node default.
  caf::timespan timeout{0};
  /// Whether and how results are cached (off unless the skill opts in).
  cache_policy cache;
  /// Start the pool at its full size (a preloaded skill, see the cache's
  /// `preload-skills`), never below it.
  bool start_full = false;
  skill_function fn;
};

/// Runs `skill` on `input` in the calling thread and times it. A
/// `std::exception` becomes SKILL_ERROR; a `worker_crash` propagates so the
/// caller can treat it as the death of the worker.
job_result run_skill(const skill_definition& skill, const std::string& input);

/// The skills a node offers, by name. Built before the node starts; not
/// thread-safe to modify afterwards.
class skill_catalog {
 public:
  /// Adds a skill; fails on an empty or duplicate name or a missing function.
  [[nodiscard]] caf::error add(skill_definition def);

  /// Changes the definition of `name` through `edit`; false when there is
  /// no such skill. Only before the node starts.
  bool modify(const std::string& name,
              const std::function<void(skill_definition&)>& edit);

  /// The skill named `name`, or null.
  std::shared_ptr<const skill_definition> find(const std::string& name) const;

  /// All skills, sorted by name.
  std::vector<std::shared_ptr<const skill_definition>> all() const;

  size_t size() const noexcept {
    return skills_.size();
  }

 private:
  std::map<std::string, std::shared_ptr<const skill_definition>> skills_;
};

} // namespace troupe
