#include "actors/skills/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::skills {

caf::timespan backoff_ceiling(const retry_policy& policy, uint32_t next) {
  if (next < 2 || policy.backoff <= caf::timespan{0})
    return caf::timespan{0};
  auto cap = std::max(policy.backoff_max, policy.backoff);
  // Doubling past the cap is pointless and would overflow after 63 steps.
  auto ceiling = policy.backoff;
  for (uint32_t i = 2; i < next && ceiling < cap; ++i)
    ceiling = ceiling < cap / 2 ? ceiling * 2 : cap;
  return std::min(ceiling, cap);
}

retry_decision
plan_retry(const retry_policy& policy, bool idempotent, job_status status,
           uint32_t attempts, uint32_t max_attempts,
           caf::actor_clock::time_point now,
           caf::actor_clock::time_point deadline, double jitter) {
  retry_decision out;
  if (!policy.retry_on.contains(status) || max_attempts <= 1)
    return out;
  if (!idempotent) {
    out.why_not = "not retried: the skill is not idempotent";
    return out;
  }
  if (attempts >= max_attempts) {
    out.why_not = "gave up after " + std::to_string(attempts) + " attempts";
    return out;
  }
  auto ceiling = backoff_ceiling(policy, attempts + 1);
  jitter = std::clamp(jitter, 0.0, 1.0);
  auto delay = std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double, std::nano>(ceiling) * jitter);
  if (now + delay >= deadline) {
    out.why_not = "not retried after " + std::to_string(attempts)
                  + " attempt(s): the job's deadline would pass first";
    return out;
  }
  out.retry = true;
  out.delay = delay;
  return out;
}

} // namespace troupe::skills
