#pragma once

#include "actors/metrics/job_metrics.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace troupe::pool {

/// A job a terminating pool leaves to the next incarnation of the pool.
struct bequeathed_job {
  job j;
  result_sink_actor sink;
  caf::actor_clock::time_point arrived;
  caf::actor_clock::time_point deadline;
  /// Attempts already made (0 = it never started).
  uint32_t attempts = 0;
};

/// The jobs one skill's pool held when it ended, kept for its successor.
/// Shared by every incarnation of the pool and owned by the pool's child
/// spec; when the last owner lets go and no successor took the jobs (the
/// node stopped, or the supervisor gave up), the estate answers each of them
/// itself: CANCELLED after a shutdown, INTERNAL after a crash. Thread-safe:
/// a dying pool and its successor may run on different threads.
class job_estate {
 public:
  job_estate(std::string skill, std::string node_name,
             metrics::job_metrics_ptr metrics = nullptr);

  ~job_estate();

  job_estate(const job_estate&) = delete;
  job_estate& operator=(const job_estate&) = delete;

  /// Adds the jobs of a pool that ended with `reason`, in the order its
  /// successor should run them; after `close`, answers them at once.
  void bequeath(std::vector<bequeathed_job> jobs, const caf::error& reason);

  /// Takes every job left so far (for a new pool, at its start), and opens
  /// the estate again if it was closed.
  std::vector<bequeathed_job> inherit();

  /// No successor will come (the pool's supervisor stopped with `reason`):
  /// answers every job left, and every job left later, CANCELLED after a
  /// normal stop, INTERNAL otherwise.
  void close(const caf::error& reason);

  /// Jobs waiting for a successor.
  size_t size() const;

  const std::string& skill() const noexcept {
    return skill_;
  }

 private:
  std::string skill_;
  std::string node_name_;
  metrics::job_metrics_ptr metrics_;
  mutable std::mutex mtx_;
  void answer(std::vector<bequeathed_job>& jobs, const caf::error& reason);

  std::vector<bequeathed_job> jobs_;
  caf::error reason_;
  bool closed_ = false;
};

using job_estate_ptr = std::shared_ptr<job_estate>;

} // namespace troupe::pool
