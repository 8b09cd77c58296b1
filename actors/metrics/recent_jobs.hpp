#pragma once

#include "messages/job.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace troupe::metrics {

/// One job that ended, as the dashboard lists it.
struct recent_job {
  /// Increases by one per job kept: newer jobs have larger numbers.
  uint64_t seq = 0;
  std::string skill;
  std::string node;
  job_status status = job_status::ok;
  /// Queue and run time at the node that ran it, in microseconds.
  uint64_t micros = 0;
  /// When it ended here, in milliseconds since the Unix epoch.
  int64_t unix_ms = 0;
};

/// The last jobs whose results left the node for their clients, for the
/// dashboard's recent-jobs list. A fixed ring: recording copies into
/// buffers kept from the jobs before, so the result path does not allocate
/// once the ring has filled. Thread-safe.
class recent_jobs {
 public:
  static constexpr size_t capacity = 20;

  /// Keeps the last of `results` (a batch that leaves together).
  void record(const std::vector<job_result>& results, int64_t unix_ms);

  /// The jobs kept, oldest first.
  std::vector<recent_job> list() const;

 private:
  mutable std::mutex mtx_;
  std::vector<recent_job> ring_;
  uint64_t next_seq_ = 1;
};

} // namespace troupe::metrics
