#pragma once

#include "actors/base/load_board.hpp"
#include "actors/metrics/job_metrics.hpp"
#include "messages/member.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace troupe::cluster {

/// What the membership publishes about its own node's load: its skills,
/// their capacity and jobs in flight, and jobs answered per second. The
/// pools push their counts into the node's load board as jobs come and go;
/// a sample only reads those counters, so publishing load costs no message
/// to the router or the pools (they used to be asked for their whole status
/// on every heartbeat).
class local_load {
 public:
  using clock = std::chrono::steady_clock;

  local_load() = default;

  /// `skills` names the node's skills with their capacity (`workers`) and
  /// flags; their busy and queued figures come from `board` (a null board
  /// leaves them at zero). `jobs` gives the node's answered jobs (null: a
  /// rate of zero).
  local_load(std::vector<skill_load> skills, base::load_board_ptr board,
             metrics::job_metrics_ptr jobs);

  /// The load now: per skill, the jobs in flight up to the capacity are
  /// busy and the rest queued; the rate is of jobs answered since the last
  /// sample.
  std::vector<skill_load> sample(clock::time_point now);

  /// Jobs answered per second between the last two samples.
  double jobs_per_second() const noexcept {
    return rate_;
  }

 private:
  std::vector<skill_load> skills_;
  std::vector<base::load_board::counter_ptr> in_flight_;
  metrics::job_metrics_ptr jobs_;
  uint64_t last_total_ = 0;
  clock::time_point last_sample_{};
  double rate_ = 0;
};

} // namespace troupe::cluster
