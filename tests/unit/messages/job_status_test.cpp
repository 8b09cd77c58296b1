#include "messages/job_status.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using troupe::job_status;
using troupe::job_status_count;
using troupe::parse_job_status;

TEST(JobStatus, NamesAreTheUserFacingUpperCaseNames) {
  EXPECT_EQ(to_string(job_status::ok), "OK");
  EXPECT_EQ(to_string(job_status::skill_error), "SKILL_ERROR");
  EXPECT_EQ(to_string(job_status::timeout), "TIMEOUT");
  EXPECT_EQ(to_string(job_status::overloaded), "OVERLOADED");
  EXPECT_EQ(to_string(job_status::breaker_open), "BREAKER_OPEN");
  EXPECT_EQ(to_string(job_status::unknown_skill), "UNKNOWN_SKILL");
  EXPECT_EQ(to_string(job_status::bad_input), "BAD_INPUT");
  EXPECT_EQ(to_string(job_status::node_lost), "NODE_LOST");
  EXPECT_EQ(to_string(job_status::cancelled), "CANCELLED");
  EXPECT_EQ(to_string(job_status::internal), "INTERNAL");
}

TEST(JobStatus, ToStringParseRoundTripForAllStatuses) {
  std::set<std::string> names;
  for (size_t i = 0; i < job_status_count; ++i) {
    auto st = static_cast<job_status>(i);
    auto name = to_string(st);
    names.emplace(name);
    auto parsed = parse_job_status(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, st) << name;
  }
  EXPECT_EQ(names.size(), job_status_count) << "names must be distinct";
}

TEST(JobStatus, ParseIsCaseInsensitive) {
  EXPECT_EQ(parse_job_status("ok"), job_status::ok);
  EXPECT_EQ(parse_job_status("Ok"), job_status::ok);
  EXPECT_EQ(parse_job_status("skill_error"), job_status::skill_error);
  EXPECT_EQ(parse_job_status("Bad_Input"), job_status::bad_input);
  EXPECT_EQ(parse_job_status("timeOUT"), job_status::timeout);
}

TEST(JobStatus, ParseRejectsUnknownNames) {
  EXPECT_EQ(parse_job_status(""), std::nullopt);
  EXPECT_EQ(parse_job_status("OKAY"), std::nullopt);
  EXPECT_EQ(parse_job_status("O"), std::nullopt);
  EXPECT_EQ(parse_job_status("SKILL ERROR"), std::nullopt);
  EXPECT_EQ(parse_job_status(" OK"), std::nullopt);
  EXPECT_EQ(parse_job_status("STATUS_UNSPECIFIED"), std::nullopt);
}

TEST(JobStatus, OutOfRangeValueRendersAsInternal) {
  EXPECT_EQ(to_string(static_cast<job_status>(200)), "INTERNAL");
}

TEST(JobStatus, TransientStatusesAreRetryable) {
  EXPECT_TRUE(is_retryable(job_status::timeout));
  EXPECT_TRUE(is_retryable(job_status::overloaded));
  EXPECT_TRUE(is_retryable(job_status::node_lost));
  EXPECT_TRUE(is_retryable(job_status::internal));
}

TEST(JobStatus, FinalStatusesAreNotRetryable) {
  EXPECT_FALSE(is_retryable(job_status::ok));
  EXPECT_FALSE(is_retryable(job_status::skill_error));
  EXPECT_FALSE(is_retryable(job_status::breaker_open));
  EXPECT_FALSE(is_retryable(job_status::unknown_skill));
  EXPECT_FALSE(is_retryable(job_status::bad_input));
  EXPECT_FALSE(is_retryable(job_status::cancelled));
}

} // namespace
