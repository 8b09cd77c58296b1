#include "actors/pool/job_queue.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace troupe::pool {

job_queue::job_queue(caf::timespan aging)
    : aging_ns_(std::max<int64_t>(aging.count(), 1)) {
  // nop
}

job_queue::entry job_queue::make_entry(uint64_t ticket, int32_t priority,
                                       time_point arrived) {
  auto p = std::clamp(priority, -max_priority, max_priority);
  auto t
    = static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                             arrived.time_since_epoch())
                             .count());
  // A long aging step times a large priority may not fit: saturate.
  int64_t boost = 0;
  int64_t rank = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(p), aging_ns_, &boost)
      || __builtin_sub_overflow(t, boost, &rank))
    rank = p > 0 ? std::numeric_limits<int64_t>::min()
                 : std::numeric_limits<int64_t>::max();
  return entry{rank, next_seq_++, ticket};
}

} // namespace troupe::pool
