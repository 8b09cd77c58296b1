#include "messages/wire/api_codec.hpp"
#include "tests/support/message_equality.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using troupe::job;
using troupe::job_result;
using troupe::job_status;
using troupe::test::expect_equal;
namespace api = troupe::wire::api;
namespace v1 = troupe::v1;

troupe::skill_info make_skill_info(std::string name, uint32_t seed) {
  troupe::skill_info s;
  s.name = std::move(name);
  s.version = "v" + std::to_string(seed);
  s.description = "does thing " + std::to_string(seed);
  s.blocking = seed % 2 == 1;
  s.workers = seed + 1;
  s.busy = seed + 2;
  s.queued = seed + 3;
  s.queue_capacity = 10'000 + seed;
  s.in_flight = seed + 5;
  s.worker_restarts = seed + 6;
  s.idempotent = seed % 3 == 0;
  s.kind = seed % 2 == 1 ? "process" : "blocking";
  s.idle = seed + 7;
  s.starting = seed + 8;
  s.min_workers = seed + 9;
  s.max_workers = seed + 10;
  s.cached = seed % 2 == 0;
  return s;
}

troupe::breaker_status make_breaker_status(std::string skill, uint32_t seed) {
  troupe::breaker_status b;
  b.skill = std::move(skill);
  b.enabled = seed % 2 == 0;
  b.state = static_cast<troupe::circuit_state>(seed % 5);
  b.calls = seed + 1;
  b.failures = seed + 2;
  b.slow_calls = seed + 3;
  b.failure_rate = 12.5 + seed;
  b.slow_call_rate = 0.25 + seed;
  b.minimum_calls = seed + 4;
  b.failure_rate_threshold = 50;
  b.slow_call_rate_threshold = 100;
  b.until_half_open = std::chrono::milliseconds{1500 + seed};
  b.trial_calls = seed + 5;
  b.half_open_calls = seed + 6;
  b.trips = seed + 7;
  b.rejected = seed + 8;
  b.fallbacks = seed + 9;
  b.retries = seed + 10;
  b.fallback = seed % 3 == 0 ? "" : "echo";
  return b;
}

template <class T, class Proto>
T round_trip(const T& x) {
  Proto p;
  api::to_proto(x, p);
  Proto parsed;
  EXPECT_TRUE(parsed.ParseFromString(p.SerializeAsString()));
  return api::from_proto(parsed);
}

TEST(ApiCodec, AJobTravelsWithItsOptionsAndItsRefAsId) {
  job j;
  j.id = 42;
  j.skill = "echo";
  j.input = "hello";
  j.options.timeout = std::chrono::milliseconds{1500};
  j.options.priority = 3;
  j.options.cache = troupe::cache_mode::refresh;
  j.options.max_attempts = 2;
  j.options.trace = 77;
  // Fields only members set never reach the API.
  j.options.placed = true;
  j.options.origin = "elsewhere";
  v1::Job p;
  api::to_proto(j, p);
  EXPECT_EQ(p.ref(), 42u);
  EXPECT_EQ(p.input(), "hello");
  job out;
  ASSERT_EQ(api::from_proto(p, out, 1024), "");
  EXPECT_EQ(out.skill, "echo");
  EXPECT_EQ(out.input, "hello");
  EXPECT_EQ(out.options.timeout, j.options.timeout);
  EXPECT_EQ(out.options.priority, 3);
  EXPECT_EQ(out.options.cache, troupe::cache_mode::refresh);
  EXPECT_EQ(out.options.max_attempts, 2u);
  EXPECT_EQ(out.options.trace, 77u);
  EXPECT_FALSE(out.options.placed);
  EXPECT_TRUE(out.options.origin.empty());
}

TEST(ApiCodec, BinaryInputTravelsAsBytesNeverAsText) {
  job j;
  j.skill = "echo";
  j.input = std::string("\xff\x00\x01", 3);
  v1::Job p;
  api::to_proto(j, p);
  EXPECT_EQ(p.payload_case(), v1::Job::kInputBytes);
  job out;
  ASSERT_EQ(api::from_proto(p, out, 1024), "");
  EXPECT_EQ(out.input, j.input);
}

TEST(ApiCodec, AJobTheNodeCannotRunSaysWhy) {
  job out;
  v1::Job p;
  EXPECT_NE(api::from_proto(p, out, 1024).find("no skill"), std::string::npos);
  p.set_skill(std::string(api::max_skill_bytes + 1, 'x'));
  EXPECT_NE(api::from_proto(p, out, 1024).find("too long"), std::string::npos);
  p.set_skill("echo");
  p.set_input(std::string(2048, 'x'));
  EXPECT_NE(api::from_proto(p, out, 1024).find("max-job-bytes"),
            std::string::npos);
}

TEST(ApiCodec, OutputThatIsNotTextTravelsAsBytes) {
  job_result r;
  r.status = job_status::ok;
  r.output = std::string("\x89PNG\xff", 5);
  r.error = std::string("bad \xff byte");
  v1::JobResult p;
  api::to_proto(r, p);
  EXPECT_EQ(p.payload_case(), v1::JobResult::kOutputBytes);
  EXPECT_TRUE(v1::JobResult{}.ParseFromString(p.SerializeAsString()));
  job_result out;
  api::from_proto(p, out);
  EXPECT_EQ(out.output, r.output);
  EXPECT_NE(out.error.find("bad"), std::string::npos);
}

TEST(ApiCodec, EveryStatusSurvivesAndUnknownOnesAreInternal) {
  for (size_t i = 0; i < troupe::job_status_count; ++i) {
    auto st = static_cast<job_status>(i);
    EXPECT_EQ(api::from_proto(api::to_proto(st)), st);
  }
  EXPECT_EQ(api::from_proto(v1::JOB_STATUS_UNSPECIFIED), job_status::internal);
  EXPECT_EQ(api::from_proto(static_cast<v1::JobStatus>(99)),
            job_status::internal);
}

TEST(ApiCodec, SkillListRoundTrip) {
  troupe::skill_list list;
  list.skills.push_back(make_skill_info("echo", 1));
  list.skills.push_back(make_skill_info("sha256", 2));
  auto out = round_trip<troupe::skill_list, v1::SkillList>(list);
  ASSERT_EQ(out.skills.size(), 2u);
  expect_equal(out.skills[0], list.skills[0]);
  expect_equal(out.skills[1], list.skills[1]);
}

TEST(ApiCodec, NodeStatusRoundTrip) {
  troupe::node_status st;
  st.name = "alpha";
  st.address = "127.0.0.1:4710";
  st.version = "0.1.0";
  st.uptime_ms = 123'456;
  st.in_flight = 17;
  st.skills.push_back(make_skill_info("echo", 3));
  st.counts.push_back({"echo", job_status::ok, 1000});
  st.counts.push_back({"-", job_status::internal, 1});
  st.health_score = 55;
  st.draining = true;
  st.alerts.push_back({troupe::severity::critical, "error-rate", "skill flaky",
                       "error rate 42 % > 25 % over 30 s", 1500});
  st.restarts.push_back({"node/skills/crash", "worker", 12});
  st.breakers.push_back(make_breaker_status("fail", 1));
  troupe::member m;
  m.name = "beta";
  m.address = "127.0.0.1:5711";
  m.incarnation = 9;
  m.status = troupe::member_status::leaving;
  m.skills.push_back({"echo", 4, 1, 2, true, false, "1"});
  st.members.push_back(m);
  auto out = round_trip<troupe::node_status, v1::NodeStatus>(st);
  EXPECT_EQ(out.name, st.name);
  EXPECT_EQ(out.address, st.address);
  EXPECT_EQ(out.version, st.version);
  EXPECT_EQ(out.uptime_ms, st.uptime_ms);
  EXPECT_EQ(out.in_flight, st.in_flight);
  ASSERT_EQ(out.skills.size(), 1u);
  expect_equal(out.skills[0], st.skills[0]);
  ASSERT_EQ(out.counts.size(), 2u);
  EXPECT_EQ(out.counts[1].status, job_status::internal);
  EXPECT_EQ(out.health_score, 55u);
  EXPECT_TRUE(out.draining);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].level, troupe::severity::critical);
  EXPECT_EQ(out.alerts[0].message, st.alerts[0].message);
  EXPECT_EQ(out.alerts[0].age_ms, 1500u);
  ASSERT_EQ(out.restarts.size(), 1u);
  EXPECT_EQ(out.restarts[0].restarts, 12u);
  ASSERT_EQ(out.breakers.size(), 1u);
  expect_equal(out.breakers[0], st.breakers[0]);
  ASSERT_EQ(out.members.size(), 1u);
  EXPECT_EQ(out.members[0].name, "beta");
  EXPECT_EQ(out.members[0].status, troupe::member_status::leaving);
  ASSERT_EQ(out.members[0].skills.size(), 1u);
  EXPECT_EQ(out.members[0].skills[0].workers, 4u);
}

TEST(ApiCodec, BreakerStatusRoundTripInEveryState) {
  for (uint32_t seed = 0; seed < 5; ++seed) {
    auto b = make_breaker_status("flaky", seed);
    expect_equal(round_trip<troupe::breaker_status, v1::BreakerStatus>(b), b);
  }
}

TEST(ApiCodec, BreakerCommandsRoundTrip) {
  for (auto cmd :
       {troupe::breaker_command::show, troupe::breaker_command::force_open,
        troupe::breaker_command::force_close, troupe::breaker_command::reset})
    EXPECT_EQ(api::from_proto(api::to_proto(cmd)), cmd);
}

} // namespace

// A node may send any number of microseconds: huge ones clamp to the
// longest duration rather than wrapping negative (found by the api fuzzer,
// tests/fuzz/crashes/api/).
TEST(ApiCodec, HugeTimesFromALyingNodeClampInsteadOfWrapping) {
  v1::JobResult in;
  in.set_status(v1::OK);
  in.set_queue_us(UINT64_MAX);
  in.set_run_us(uint64_t{290499906672591364});
  in.set_retry_after_ms(UINT64_MAX);
  job_result out;
  api::from_proto(in, out);
  EXPECT_GT(out.queue_time, std::chrono::hours{24 * 365});
  EXPECT_GT(out.run_time, std::chrono::hours{24 * 365});
  EXPECT_GT(out.retry_after, std::chrono::hours{24});
}
