#pragma once

#include <caf/timespan.hpp>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace troupe::client {

/// Percentiles of a set of latencies (nearest-rank). Plain logic.
class latency_summary {
 public:
  void add(caf::timespan x) {
    samples_.push_back(x);
    sorted_ = false;
  }

  size_t count() const {
    return samples_.size();
  }

  /// The p-th percentile, p in [0, 100]; zero when empty.
  caf::timespan percentile(double p) {
    if (samples_.empty())
      return caf::timespan{0};
    if (!sorted_) {
      std::sort(samples_.begin(), samples_.end());
      sorted_ = true;
    }
    auto rank
      = static_cast<size_t>(p / 100.0 * static_cast<double>(samples_.size()));
    return samples_[std::min(rank, samples_.size() - 1)];
  }

 private:
  std::vector<caf::timespan> samples_;
  bool sorted_ = true;
};

} // namespace troupe::client
