#pragma once

#include "messages/job.hpp"
#include "node/client/client.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

// Running many jobs through a client and counting what came back, for
// tests that check every job got exactly one terminal result.
namespace troupe::test {

/// What a run of jobs produced.
struct job_tally {
  /// Results per job (index = job id, as the client numbers them).
  std::vector<int> seen;
  std::map<job_status, size_t> counts;
  std::map<std::string, size_t> by_node;
  /// The first error message seen per status, for failure messages.
  std::map<job_status, std::string> first_error;

  /// "OK=9990 NODE_LOST=10 " (one entry per status seen).
  std::string summary() const;

  /// The summary plus the first error of each failing status.
  std::string details() const;

  /// The first job that did not get exactly one result, or -1.
  long first_not_answered_once() const;
};

/// Runs `jobs` through `cl` with `concurrency` in flight; `after(done)` is
/// called after each result with the number of results so far.
job_tally run_jobs(client::client& cl, std::vector<job> jobs,
                   size_t concurrency,
                   const std::function<void(size_t)>& after = {});

} // namespace troupe::test
