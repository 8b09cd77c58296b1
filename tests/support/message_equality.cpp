#include "tests/support/message_equality.hpp"

#include <gtest/gtest.h>

namespace troupe::test {

void expect_equal(const job_options& a, const job_options& b) {
  EXPECT_EQ(a.timeout, b.timeout);
  EXPECT_EQ(a.cache, b.cache);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.max_attempts, b.max_attempts);
  EXPECT_EQ(a.placed, b.placed);
  EXPECT_EQ(a.origin, b.origin);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.cache_lookup, b.cache_lookup);
}

void expect_equal(const job& a, const job& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.skill, b.skill);
  EXPECT_EQ(a.input, b.input);
  expect_equal(a.options, b.options);
}

void expect_equal(const job_result& a, const job_result& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.skill, b.skill);
  EXPECT_EQ(a.node, b.node);
  EXPECT_EQ(a.queue_time, b.queue_time);
  EXPECT_EQ(a.run_time, b.run_time);
  EXPECT_EQ(a.cache_hit, b.cache_hit);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.fallback, b.fallback);
  EXPECT_EQ(a.retry_after, b.retry_after);
}

void expect_equal(const breaker_status& a, const breaker_status& b) {
  EXPECT_EQ(a.skill, b.skill);
  EXPECT_EQ(a.enabled, b.enabled);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.failures, b.failures);
  EXPECT_EQ(a.slow_calls, b.slow_calls);
  EXPECT_DOUBLE_EQ(a.failure_rate, b.failure_rate);
  EXPECT_DOUBLE_EQ(a.slow_call_rate, b.slow_call_rate);
  EXPECT_EQ(a.minimum_calls, b.minimum_calls);
  EXPECT_DOUBLE_EQ(a.failure_rate_threshold, b.failure_rate_threshold);
  EXPECT_DOUBLE_EQ(a.slow_call_rate_threshold, b.slow_call_rate_threshold);
  EXPECT_EQ(a.until_half_open, b.until_half_open);
  EXPECT_EQ(a.trial_calls, b.trial_calls);
  EXPECT_EQ(a.half_open_calls, b.half_open_calls);
  EXPECT_EQ(a.trips, b.trips);
  EXPECT_EQ(a.rejected, b.rejected);
  EXPECT_EQ(a.fallbacks, b.fallbacks);
  EXPECT_EQ(a.retries, b.retries);
  EXPECT_EQ(a.fallback, b.fallback);
}

void expect_equal(const skill_info& a, const skill_info& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.blocking, b.blocking);
  EXPECT_EQ(a.workers, b.workers);
  EXPECT_EQ(a.busy, b.busy);
  EXPECT_EQ(a.queued, b.queued);
  EXPECT_EQ(a.queue_capacity, b.queue_capacity);
  EXPECT_EQ(a.in_flight, b.in_flight);
  EXPECT_EQ(a.worker_restarts, b.worker_restarts);
  EXPECT_EQ(a.idempotent, b.idempotent);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.idle, b.idle);
  EXPECT_EQ(a.starting, b.starting);
  EXPECT_EQ(a.min_workers, b.min_workers);
  EXPECT_EQ(a.max_workers, b.max_workers);
  EXPECT_EQ(a.cached, b.cached);
}

void expect_equal(const job_count& a, const job_count& b) {
  EXPECT_EQ(a.skill, b.skill);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.count, b.count);
}

void expect_equal(const member& a, const member& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.address, b.address);
  EXPECT_EQ(a.incarnation, b.incarnation);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.status, b.status);
  ASSERT_EQ(a.skills.size(), b.skills.size());
  for (size_t i = 0; i < a.skills.size(); ++i) {
    EXPECT_EQ(a.skills[i].name, b.skills[i].name);
    EXPECT_EQ(a.skills[i].workers, b.skills[i].workers);
    EXPECT_EQ(a.skills[i].busy, b.skills[i].busy);
    EXPECT_EQ(a.skills[i].queued, b.skills[i].queued);
    EXPECT_EQ(a.skills[i].idempotent, b.skills[i].idempotent);
    EXPECT_EQ(a.skills[i].cached, b.skills[i].cached);
    EXPECT_EQ(a.skills[i].version, b.skills[i].version);
  }
  EXPECT_DOUBLE_EQ(a.jobs_per_second, b.jobs_per_second);
  EXPECT_EQ(a.health, b.health);
}

} // namespace troupe::test
