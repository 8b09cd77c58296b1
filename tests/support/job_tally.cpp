#include "tests/support/job_tally.hpp"

namespace troupe::test {

std::string job_tally::summary() const {
  std::string out;
  for (auto& [st, k] : counts)
    out += std::string{to_string(st)} + "=" + std::to_string(k) + " ";
  return out;
}

std::string job_tally::details() const {
  auto out = summary();
  for (auto& [st, error] : first_error)
    out += "\n  first " + std::string{to_string(st)} + ": " + error;
  return out;
}

long job_tally::first_not_answered_once() const {
  for (size_t i = 0; i < seen.size(); ++i)
    if (seen[i] != 1)
      return static_cast<long>(i);
  return -1;
}

job_tally run_jobs(client::client& cl, std::vector<job> jobs,
                   size_t concurrency,
                   const std::function<void(size_t)>& after) {
  job_tally out;
  out.seen.assign(jobs.size(), 0);
  size_t done = 0;
  cl.run(std::move(jobs), concurrency, [&](job_result&& r, caf::timespan) {
    if (r.id < out.seen.size())
      ++out.seen[r.id];
    ++out.counts[r.status];
    ++out.by_node[r.node];
    if (r.status != job_status::ok)
      out.first_error.emplace(r.status, r.error);
    if (after)
      after(++done);
  });
  return out;
}

} // namespace troupe::test
