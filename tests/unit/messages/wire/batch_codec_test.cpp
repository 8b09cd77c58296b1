#include "messages/errors.hpp"
#include "messages/wire/batch_codec.hpp"
#include "messages/wire/troupe.pb.h"
#include "messages/wire/utf8.hpp"
#include "tests/support/message_equality.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::cache_mode;
using troupe::error_code;
using troupe::job;
using troupe::job_result;
using troupe::job_status;
using troupe::job_status_count;
using troupe::test::expect_equal;
namespace wc = troupe::wire::batch_codec;
namespace wire = troupe::wire;

::testing::AssertionResult has_code(const caf::error& err, error_code code) {
  if (!err)
    return ::testing::AssertionFailure() << "no error";
  if (err.category() != caf::atom("troupe")
      || err.code() != static_cast<uint8_t>(code))
    return ::testing::AssertionFailure()
           << "got " << troupe::describe(err) << ", expected "
           << troupe::to_string(code);
  return ::testing::AssertionSuccess();
}

// -- submit batches -----------------------------------------------------------

TEST(WireCodec, SubmitBatchRoundTrip) {
  std::vector<job> jobs(3);
  jobs[0].id = 1;
  jobs[0].skill = "echo";
  jobs[0].input = std::string("bin\0ary\xff\xfe", 9);
  jobs[0].options.timeout = 1500ms;
  jobs[0].options.cache = cache_mode::bypass;
  jobs[0].options.priority = -7;
  jobs[0].options.max_attempts = 3;
  jobs[1].id = 0xFFFF'FFFF'FFFF'FFFFull;
  jobs[1].skill = "sha256";
  jobs[1].input = "";
  jobs[1].options.cache = cache_mode::refresh;
  jobs[1].options.priority = 42;
  jobs[1].options.placed = true;
  jobs[1].options.origin = "node-a";
  jobs[1].options.trace = 0xfeedbeef12345678;
  jobs[1].options.cache_lookup = true;
  jobs[2].id = 7;
  jobs[2].skill = "wordcount";
  jobs[2].input = std::string(100'000, 'x');
  auto decoded = wc::decode_submit(wc::encode_submit(jobs));
  ASSERT_TRUE(decoded) << troupe::describe(decoded.error());
  ASSERT_EQ(decoded->jobs.size(), jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    auto& a = jobs[i];
    auto& b = decoded->jobs[i];
    EXPECT_EQ(b.id, a.id);
    EXPECT_EQ(b.skill, a.skill);
    EXPECT_EQ(b.input, a.input);
    EXPECT_EQ(b.options.timeout, a.options.timeout);
    EXPECT_EQ(b.options.cache, a.options.cache);
    EXPECT_EQ(b.options.priority, a.options.priority);
    EXPECT_EQ(b.options.max_attempts, a.options.max_attempts);
    EXPECT_EQ(b.options.placed, a.options.placed);
    EXPECT_EQ(b.options.origin, a.options.origin);
    EXPECT_EQ(b.options.trace, a.options.trace);
    EXPECT_EQ(b.options.cache_lookup, a.options.cache_lookup);
  }
  EXPECT_EQ(decoded->jobs[0].input.size(), 9u);
  EXPECT_EQ(decoded->jobs[1].options.timeout, caf::timespan{0});
  EXPECT_EQ(decoded->jobs[2].options.cache, cache_mode::normal);
}

// A positive timeout below one millisecond (`--timeout 500us` parses) must
// not become 0 on the wire, which means "node default" (60 s by default).
TEST(WireCodec, SubMillisecondTimeoutIsNotLost) {
  auto j = job{};
  j.skill = "echo";
  j.options.timeout = 500us;
  auto decoded = wc::decode_submit(wc::encode_submit({j}));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->jobs.size(), 1u);
  EXPECT_GT(decoded->jobs[0].options.timeout, caf::timespan{0});
}

// timeout_ms is a uint64 on the wire; values whose nanosecond count does not
// fit in caf::timespan must not wrap around into a short (or negative)
// timeout.
TEST(WireCodec, HugeTimeoutDoesNotWrapAround) {
  for (uint64_t ms : {uint64_t{18'446'744'073'710}, ~uint64_t{0}}) {
    wire::SubmitBatch batch;
    batch.set_protocol_version(wc::protocol_version);
    auto* pj = batch.add_jobs();
    pj->set_skill("echo");
    pj->mutable_options()->set_timeout_ms(ms);
    auto decoded = wc::decode_submit(batch.SerializeAsString());
    ASSERT_TRUE(decoded);
    EXPECT_GE(decoded->jobs[0].options.timeout, caf::timespan{24h})
      << "timeout_ms " << ms << " decoded to "
      << decoded->jobs[0].options.timeout.count() << " ns";
  }
}

TEST(WireCodec, EmptySubmitBatchRoundTrip) {
  auto decoded = wc::decode_submit(wc::encode_submit({}));
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->jobs.empty());
}

TEST(WireCodec, SubmitCarriesTheProtocolVersion) {
  wire::SubmitBatch batch;
  ASSERT_TRUE(batch.ParseFromString(wc::encode_submit({job{}})));
  EXPECT_EQ(batch.protocol_version(), wc::protocol_version);
  EXPECT_EQ(batch.jobs_size(), 1);
}

TEST(WireCodec, GarbageSubmitIsMalformed) {
  auto decoded = wc::decode_submit("garbage");
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(has_code(decoded.error(), error_code::malformed_message));
  auto truncated = wc::decode_submit(std::string(5, '\xff'));
  ASSERT_FALSE(truncated);
  EXPECT_TRUE(has_code(truncated.error(), error_code::malformed_message));
}

TEST(WireCodec, WrongProtocolVersionIsMismatch) {
  wire::SubmitBatch batch;
  batch.set_protocol_version(wc::protocol_version + 1);
  auto* j = batch.add_jobs();
  j->set_id(1);
  j->set_skill("echo");
  auto decoded = wc::decode_submit(batch.SerializeAsString());
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(has_code(decoded.error(), error_code::protocol_mismatch));
  // The message names both versions so a person can act on it.
  auto text = troupe::message_of(decoded.error());
  EXPECT_NE(text.find(std::to_string(wc::protocol_version + 1)),
            std::string::npos)
    << text;
  EXPECT_NE(text.find(std::to_string(wc::protocol_version)), std::string::npos)
    << text;
}

TEST(WireCodec, MissingProtocolVersionIsMismatch) {
  // An empty message parses (all fields default), but version 0 is refused.
  auto decoded = wc::decode_submit("");
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(has_code(decoded.error(), error_code::protocol_mismatch));
}

// A batch names itself so that a refusal can name it; the id is written
// first, so a node reads it without parsing the (possibly huge) rest.
TEST(WireCodec, SubmitBatchCarriesItsIdFirst) {
  std::vector<job> jobs(2);
  jobs[0].id = 1;
  jobs[0].skill = "echo";
  jobs[0].input = std::string(50'000, 'x');
  jobs[1].id = 2;
  jobs[1].skill = "echo";
  auto bytes = wc::encode_submit(jobs, 0x1234'5678'9ABCull);
  auto decoded = wc::decode_submit(bytes);
  ASSERT_TRUE(decoded) << troupe::describe(decoded.error());
  EXPECT_EQ(decoded->id, 0x1234'5678'9ABCull);
  EXPECT_EQ(decoded->jobs.size(), 2u);
  EXPECT_EQ(wc::peek_batch_id(bytes), 0x1234'5678'9ABCull);
  // The first field on the wire is the batch id (field 3, varint).
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), (3u << 3) | 0u);
  // The id is found after other fields too (another encoder's order), and
  // in bytes that do not parse as a whole.
  wire::SubmitBatch batch;
  batch.set_protocol_version(wc::protocol_version + 5);
  batch.add_jobs()->set_skill("echo");
  batch.set_batch_id(77);
  auto other = batch.SerializeAsString();
  EXPECT_EQ(wc::peek_batch_id(other), 77u);
  EXPECT_EQ(wc::peek_batch_id(wc::encode_submit(jobs, 9) + "\xff\xff"), 9u);
  EXPECT_EQ(wc::peek_batch_id(wc::encode_submit(jobs)), 0u);
  EXPECT_EQ(wc::peek_batch_id("garbage"), 0u);
  EXPECT_EQ(wc::peek_batch_id(""), 0u);
}

// Protobuf refuses a `string` field holding invalid UTF-8 for the whole
// message; job text is `bytes` on the wire and checked per job, so one bad
// job fails alone.
TEST(WireCodec, AJobWithBadTextIsRefusedAloneAndTheOthersDecode) {
  wire::SubmitBatch batch;
  batch.set_protocol_version(wc::protocol_version);
  batch.set_batch_id(3);
  for (uint64_t id = 1; id <= 5; ++id) {
    auto* pj = batch.add_jobs();
    pj->set_id(id);
    pj->set_skill("echo");
    pj->set_input("in" + std::to_string(id));
  }
  batch.mutable_jobs(1)->set_skill("ec\xffho");
  batch.mutable_jobs(2)->set_skill(std::string(wc::max_name_bytes + 1, 'a'));
  batch.mutable_jobs(3)->mutable_options()->set_placed(true);
  batch.mutable_jobs(3)->mutable_options()->set_origin("node\xc3");
  auto decoded = wc::decode_submit(batch.SerializeAsString());
  ASSERT_TRUE(decoded) << troupe::describe(decoded.error());
  ASSERT_EQ(decoded->jobs.size(), 2u);
  EXPECT_EQ(decoded->jobs[0].id, 1u);
  EXPECT_EQ(decoded->jobs[0].input, "in1");
  EXPECT_EQ(decoded->jobs[1].id, 5u);
  ASSERT_EQ(decoded->refused.size(), 3u);
  EXPECT_EQ(decoded->refused[0].id, 2u);
  EXPECT_NE(decoded->refused[0].reason.find("skill name is not valid UTF-8"),
            std::string::npos)
    << decoded->refused[0].reason;
  EXPECT_NE(decoded->refused[0].reason.find("0xFF at offset 2"),
            std::string::npos)
    << decoded->refused[0].reason;
  EXPECT_EQ(decoded->refused[1].id, 3u);
  EXPECT_NE(decoded->refused[1].reason.find("too long"), std::string::npos)
    << decoded->refused[1].reason;
  EXPECT_EQ(decoded->refused[2].id, 4u);
  EXPECT_NE(decoded->refused[2].reason.find("origin"), std::string::npos)
    << decoded->refused[2].reason;
  // The reasons are valid UTF-8 themselves (they go back in a result).
  for (auto& r : decoded->refused)
    EXPECT_TRUE(troupe::utf8::valid(r.reason)) << r.reason;
}

// Valid non-ASCII names are fine.
TEST(WireCodec, NonAsciiSkillNamesDecode) {
  job j;
  j.id = 1;
  j.skill = "\xc3\xa9"
            "cho-\xe2\x82\xac"; // "écho-€"
  auto decoded = wc::decode_submit(wc::encode_submit({j}, 1));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->jobs.size(), 1u);
  EXPECT_EQ(decoded->jobs[0].skill, j.skill);
  EXPECT_TRUE(decoded->refused.empty());
}

// -- result batches -----------------------------------------------------------

TEST(WireCodec, ResultBatchRoundTrip) {
  std::vector<job_result> results(4);
  auto& a = results[0];
  a.id = 99;
  a.status = job_status::ok;
  a.output = std::string("out\0put\xff", 8);
  a.skill = "echo";
  a.node = "node-a";
  a.queue_time = 1234us;
  a.run_time = 5678us;
  a.cache_hit = true;
  a.attempts = 2;
  auto& b = results[1];
  b.id = 100;
  b.status = job_status::skill_error;
  b.error = "something broke";
  b.skill = "fail";
  b.node = "node-b";
  b.queue_time = 3s;
  b.run_time = 1us;
  b.cache_hit = false;
  b.attempts = 1;
  auto& c = results[2];
  c.id = 101;
  c.status = job_status::breaker_open;
  c.error = "skill 'flaky' is unavailable";
  c.skill = "flaky";
  c.retry_after = 4200ms;
  auto& d = results[3];
  d.id = 102;
  d.status = job_status::ok;
  d.output = "degraded";
  d.skill = "flaky";
  d.fallback = "echo";
  d.attempts = 3;
  auto decoded = wc::decode_results(wc::encode_results(results));
  ASSERT_TRUE(decoded) << troupe::describe(decoded.error());
  ASSERT_EQ(decoded->results.size(), results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE("result " + std::to_string(i));
    expect_equal(decoded->results[i], results[i]);
  }
}

TEST(WireCodec, RetryAfterBelowAMillisecondIsNotLost) {
  job_result r;
  r.status = job_status::breaker_open;
  r.retry_after = 300us;
  auto decoded = wc::decode_results(wc::encode_results({r}));
  ASSERT_TRUE(decoded) << troupe::describe(decoded.error());
  EXPECT_EQ(decoded->results.at(0).retry_after, 1ms);
}

TEST(WireCodec, ResultTimingsTravelInMicroseconds) {
  job_result r;
  r.status = job_status::ok;
  r.queue_time = caf::timespan{1'234'567}; // 1234.567 us
  r.run_time = 2ms;
  auto bytes = wc::encode_results({r});
  wire::ResultBatch batch;
  ASSERT_TRUE(batch.ParseFromString(bytes));
  ASSERT_EQ(batch.results_size(), 1);
  EXPECT_EQ(batch.results(0).queue_us(), 1234u);
  EXPECT_EQ(batch.results(0).run_us(), 2000u);
  auto decoded = wc::decode_results(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->results[0].queue_time, 1234us);
}

TEST(WireCodec, EveryStatusSurvivesTheWire) {
  std::vector<job_result> results;
  for (size_t i = 0; i < job_status_count; ++i) {
    job_result r;
    r.id = i;
    r.status = static_cast<job_status>(i);
    results.push_back(r);
  }
  auto bytes = wc::encode_results(results);
  wire::ResultBatch batch;
  ASSERT_TRUE(batch.ParseFromString(bytes));
  for (auto& pr : batch.results())
    EXPECT_NE(pr.status(), wire::STATUS_UNSPECIFIED);
  EXPECT_EQ(batch.results(0).status(), wire::OK);
  EXPECT_EQ(batch.results(9).status(), wire::INTERNAL);
  auto decoded = wc::decode_results(bytes);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->results.size(), job_status_count);
  for (size_t i = 0; i < job_status_count; ++i)
    EXPECT_EQ(decoded->results[i].status, static_cast<job_status>(i));
}

TEST(WireCodec, GarbageResultsAreMalformed) {
  auto decoded = wc::decode_results("garbage");
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(has_code(decoded.error(), error_code::malformed_message));
}

TEST(WireCodec, ResultWithUnspecifiedStatusIsRejected) {
  wire::ResultBatch batch;
  auto* ok = batch.add_results();
  ok->set_id(1);
  ok->set_status(wire::OK);
  auto* bad = batch.add_results();
  bad->set_id(2);
  bad->set_status(wire::STATUS_UNSPECIFIED);
  auto decoded = wc::decode_results(batch.SerializeAsString());
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(has_code(decoded.error(), error_code::malformed_message));
}

TEST(WireCodec, ResultWithOutOfRangeStatusIsRejected) {
  wire::ResultBatch batch;
  auto* bad = batch.add_results();
  bad->set_id(1);
  bad->set_status(static_cast<wire::Status>(11));
  auto decoded = wc::decode_results(batch.SerializeAsString());
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(has_code(decoded.error(), error_code::malformed_message));
}

TEST(WireCodec, RefusalRoundTrip) {
  wc::batch_refusal x;
  x.batch_id = 42;
  x.status = job_status::bad_input;
  x.error = "too large";
  auto decoded = wc::decode_results(wc::encode_refusal(x));
  ASSERT_TRUE(decoded) << troupe::describe(decoded.error());
  EXPECT_TRUE(decoded->results.empty());
  ASSERT_EQ(decoded->refusals.size(), 1u);
  EXPECT_EQ(decoded->refusals[0].batch_id, 42u);
  EXPECT_EQ(decoded->refusals[0].status, job_status::bad_input);
  EXPECT_EQ(decoded->refusals[0].error, "too large");
}

// A skill's error message may hold any bytes (the `fail` test skill echoes
// its input); one such result must not make its whole batch unreadable.
TEST(WireCodec, ResultTextThatIsNotUtf8IsRepairedNotFatal) {
  std::vector<job_result> results(2);
  results[0].id = 1;
  results[0].status = job_status::skill_error;
  results[0].error = "bad \xff byte";
  results[0].skill = "fail";
  results[1].id = 2;
  results[1].status = job_status::ok;
  results[1].output = "\xff stays as it is";
  auto decoded = wc::decode_results(wc::encode_results(results));
  ASSERT_TRUE(decoded) << troupe::describe(decoded.error());
  ASSERT_EQ(decoded->results.size(), 2u);
  EXPECT_EQ(decoded->results[0].error, "bad \xef\xbf\xbd byte");
  EXPECT_EQ(decoded->results[1].output, "\xff stays as it is");
}

} // namespace
