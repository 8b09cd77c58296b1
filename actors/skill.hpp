#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "messages/job_status.hpp"

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

/// A named unit of work and how the node runs it.
struct skill_definition {
  std::string name;
  std::string version = "1";
  std::string description;
  /// Blocking skills (anything that may sleep, wait on I/O or burn CPU for a
  /// while) run on dedicated threads; non-blocking ones run on the actor
  /// scheduler, which is faster but must never be stalled.
  bool blocking = true;
  /// Workers in the pool; 0 = the node default.
  uint32_t workers = 0;
  /// Bounded queue capacity; 0 = the node default.
  uint64_t queue_capacity = 0;
  /// Whether running a job twice is harmless; only then are jobs retried
  /// after a worker crash.
  bool idempotent = true;
  /// Attempts per job including the first, unless the job asks for fewer.
  uint32_t max_attempts = 2;
  skill_function fn;
};

/// The skills a node offers, by name. Built before the node starts; not
/// thread-safe to modify afterwards.
class skill_catalog {
public:
  /// Adds a skill; fails on an empty or duplicate name or a missing function.
  [[nodiscard]] caf::error add(skill_definition def);

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
