// The payload structs of messages/job.hpp and messages/node_status.hpp must
// survive CAF 0.17's binary serialization: that is what they go through when
// a message crosses to another node.
#include "messages/job.hpp"
#include "messages/node_status.hpp"
#include "messages/type_ids.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/support/message_equality.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using troupe::test::expect_equal;

using namespace std::chrono_literals;
using troupe::cache_mode;
using troupe::job;
using troupe::job_count;
using troupe::job_options;
using troupe::job_result;
using troupe::job_status;
using troupe::node_status;
using troupe::skill_info;
using troupe::skill_list;

// Serializes `x` and deserializes it into a default-constructed T; fails the
// test if either step fails or bytes are left over.
template <class T>
T round_trip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (auto err = sink(x)) {
    ADD_FAILURE() << "serialization failed: " << caf::to_string(err);
    return T{};
  }
  EXPECT_FALSE(buf.empty());
  T y;
  caf::binary_deserializer source{nullptr, buf};
  if (auto err = source(y)) {
    ADD_FAILURE() << "deserialization failed: " << caf::to_string(err);
    return T{};
  }
  EXPECT_EQ(source.remaining(), 0u);
  return y;
}

job_options sample_options() {
  job_options o;
  o.timeout = 1234567ns;
  o.cache = cache_mode::refresh;
  o.priority = -3;
  o.max_attempts = 5;
  o.placed = true;
  o.origin = "node-a";
  o.cache_lookup = true;
  return o;
}

job sample_job() {
  job j;
  j.id = 0xDEAD'BEEF'0000'0001ull;
  j.skill = "sha256";
  j.input = std::string("in\0put\xff", 7);
  j.options = sample_options();
  return j;
}

job_result sample_result() {
  job_result r;
  r.id = 42;
  r.status = job_status::breaker_open;
  r.output = std::string("\0out", 4);
  r.error = "breaker open for 30 s";
  r.skill = "wordcount";
  r.node = "node-7";
  r.queue_time = 1500us;
  r.run_time = 2ms + 17ns;
  r.cache_hit = true;
  r.attempts = 3;
  r.fallback = "echo";
  r.retry_after = 4200ms;
  return r;
}

troupe::breaker_status sample_breaker() {
  troupe::breaker_status b;
  b.skill = "flaky";
  b.enabled = true;
  b.state = troupe::circuit_state::half_open;
  b.calls = 40;
  b.failures = 24;
  b.slow_calls = 2;
  b.failure_rate = 60;
  b.slow_call_rate = 5;
  b.minimum_calls = 20;
  b.failure_rate_threshold = 50;
  b.slow_call_rate_threshold = 90;
  b.until_half_open = 1500ms;
  b.trial_calls = 2;
  b.half_open_calls = 5;
  b.trips = 3;
  b.rejected = 17;
  b.fallbacks = 9;
  b.retries = 4;
  b.fallback = "echo";
  return b;
}

skill_info sample_skill(std::string name) {
  skill_info s;
  s.name = std::move(name);
  s.version = "2.1";
  s.description = "a skill";
  s.blocking = true;
  s.workers = 4;
  s.busy = 3;
  s.queued = 99;
  s.queue_capacity = 10'000;
  s.in_flight = 102;
  s.worker_restarts = 1;
  s.idempotent = true;
  s.kind = "process";
  s.idle = 1;
  s.starting = 2;
  s.min_workers = 1;
  s.max_workers = 8;
  return s;
}

TEST(MessageTypes, JobOptionsRoundTrip) {
  auto x = sample_options();
  expect_equal(round_trip(x), x);
  expect_equal(round_trip(job_options{}), job_options{});
}

TEST(MessageTypes, JobRoundTrip) {
  auto x = sample_job();
  auto y = round_trip(x);
  expect_equal(y, x);
  EXPECT_EQ(y.input.size(), 7u);
}

TEST(MessageTypes, JobRoundTripWithEveryCacheMode) {
  for (auto mode :
       {cache_mode::normal, cache_mode::bypass, cache_mode::refresh}) {
    auto x = sample_job();
    x.options.cache = mode;
    EXPECT_EQ(round_trip(x).options.cache, mode);
  }
}

TEST(MessageTypes, JobResultRoundTrip) {
  auto x = sample_result();
  expect_equal(round_trip(x), x);
}

TEST(MessageTypes, JobResultRoundTripWithEveryStatus) {
  for (size_t i = 0; i < troupe::job_status_count; ++i) {
    auto x = sample_result();
    x.status = static_cast<job_status>(i);
    EXPECT_EQ(round_trip(x).status, x.status);
  }
}

TEST(MessageTypes, SkillInfoRoundTrip) {
  auto x = sample_skill("echo");
  expect_equal(round_trip(x), x);
}

TEST(MessageTypes, JobCountRoundTrip) {
  job_count x{"echo", job_status::overloaded, 123'456'789'012ull};
  expect_equal(round_trip(x), x);
}

TEST(MessageTypes, SkillListRoundTrip) {
  skill_list x;
  x.skills = {sample_skill("a"), sample_skill("b"), sample_skill("c")};
  x.skills[1].blocking = false;
  auto y = round_trip(x);
  ASSERT_EQ(y.skills.size(), x.skills.size());
  for (size_t i = 0; i < x.skills.size(); ++i)
    expect_equal(y.skills[i], x.skills[i]);
  EXPECT_TRUE(round_trip(skill_list{}).skills.empty());
}

TEST(MessageTypes, NodeStatusRoundTrip) {
  node_status x;
  x.name = "alpha";
  x.address = "10.0.0.1:4710";
  x.version = "0.1.0";
  x.uptime_ms = 86'400'000;
  x.skills = {sample_skill("echo"), sample_skill("sleep")};
  x.counts = {{"echo", job_status::ok, 10}, {"sleep", job_status::timeout, 2}};
  x.in_flight = 5;
  auto y = round_trip(x);
  EXPECT_EQ(y.name, x.name);
  EXPECT_EQ(y.address, x.address);
  EXPECT_EQ(y.version, x.version);
  EXPECT_EQ(y.uptime_ms, x.uptime_ms);
  EXPECT_EQ(y.in_flight, x.in_flight);
  ASSERT_EQ(y.skills.size(), x.skills.size());
  for (size_t i = 0; i < x.skills.size(); ++i)
    expect_equal(y.skills[i], x.skills[i]);
  ASSERT_EQ(y.counts.size(), x.counts.size());
  for (size_t i = 0; i < x.counts.size(); ++i)
    expect_equal(y.counts[i], x.counts[i]);
}

TEST(MessageTypes, BreakerStatusRoundTrip) {
  auto x = sample_breaker();
  expect_equal(round_trip(x), x);
  expect_equal(round_trip(troupe::breaker_status{}), troupe::breaker_status{});
}

TEST(MessageTypes, NodeStatusRoundTripWithBreakers) {
  node_status x;
  x.breakers = {sample_breaker(), troupe::breaker_status{}};
  auto y = round_trip(x);
  ASSERT_EQ(y.breakers.size(), 2u);
  expect_equal(y.breakers[0], x.breakers[0]);
  expect_equal(y.breakers[1], x.breakers[1]);
}

TEST(MessageTypes, TruncatedBytesFailToDeserialize) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto x = sample_result();
  ASSERT_FALSE(sink(x));
  buf.resize(buf.size() / 2);
  job_result y;
  caf::binary_deserializer source{nullptr, buf};
  EXPECT_TRUE(source(y));
}

// A whole caf::message goes through the type IDs registered by
// troupe::system_config, as it would on the way to another node.
class MessageTypesInSystem : public troupe::test::deterministic_system {};

TEST_F(MessageTypesInSystem, MessageWithJobAndResultRoundTrip) {
  auto msg = caf::make_message(sample_job(), sample_result());
  std::vector<char> buf;
  caf::binary_serializer sink{sys(), buf};
  ASSERT_FALSE(sink(msg));
  caf::message copy;
  caf::binary_deserializer source{sys(), buf};
  ASSERT_FALSE(source(copy));
  ASSERT_TRUE((copy.match_elements<job, job_result>()));
  expect_equal(copy.get_as<job>(0), sample_job());
  expect_equal(copy.get_as<job_result>(1), sample_result());
}

TEST_F(MessageTypesInSystem, BreakerCommandMessageRoundTrip) {
  auto msg = caf::make_message(troupe::atom::breaker::value, std::string{"x"},
                               troupe::breaker_command::force_close,
                               sample_breaker());
  std::vector<char> buf;
  caf::binary_serializer sink{sys(), buf};
  ASSERT_FALSE(sink(msg));
  caf::message copy;
  caf::binary_deserializer source{sys(), buf};
  ASSERT_FALSE(source(copy));
  ASSERT_TRUE(
    (copy.match_elements<troupe::atom::breaker, std::string,
                         troupe::breaker_command, troupe::breaker_status>()));
  EXPECT_EQ(copy.get_as<troupe::breaker_command>(2),
            troupe::breaker_command::force_close);
  expect_equal(copy.get_as<troupe::breaker_status>(3), sample_breaker());
}

TEST_F(MessageTypesInSystem, MessageWithStatusTypesRoundTrip) {
  node_status st;
  st.name = "n";
  st.skills = {sample_skill("echo")};
  skill_list list;
  list.skills = {sample_skill("x")};
  auto msg = caf::make_message(st, list);
  std::vector<char> buf;
  caf::binary_serializer sink{sys(), buf};
  ASSERT_FALSE(sink(msg));
  caf::message copy;
  caf::binary_deserializer source{sys(), buf};
  ASSERT_FALSE(source(copy));
  ASSERT_TRUE((copy.match_elements<node_status, skill_list>()));
  EXPECT_EQ(copy.get_as<node_status>(0).name, "n");
  expect_equal(copy.get_as<node_status>(0).skills.at(0), sample_skill("echo"));
  expect_equal(copy.get_as<skill_list>(1).skills.at(0), sample_skill("x"));
}

} // namespace
