// Which HTTP code each job status and each refusal of the node gets, and
// the Retry-After that goes with a wait.
#include "actors/http/http_codes.hpp"

#include <gtest/gtest.h>

#include <set>

using troupe::http::http_code_of;
using troupe::http::retry_after_seconds;
namespace v1 = troupe::v1;

TEST(HttpCodes, EachJobStatusHasTheCodeAClientExpects) {
  EXPECT_EQ(http_code_of(v1::OK), 200);
  EXPECT_EQ(http_code_of(v1::BAD_INPUT), 400);
  EXPECT_EQ(http_code_of(v1::UNKNOWN_SKILL), 404);
  EXPECT_EQ(http_code_of(v1::CANCELLED), 409);
  EXPECT_EQ(http_code_of(v1::SKILL_ERROR), 422);
  EXPECT_EQ(http_code_of(v1::OVERLOADED), 429);
  EXPECT_EQ(http_code_of(v1::NODE_LOST), 502);
  EXPECT_EQ(http_code_of(v1::BREAKER_OPEN), 503);
  EXPECT_EQ(http_code_of(v1::TIMEOUT), 504);
  EXPECT_EQ(http_code_of(v1::INTERNAL), 500);
  // Only OK is a success.
  for (int s = v1::JobStatus_MIN; s <= v1::JobStatus_MAX; ++s) {
    if (s != v1::OK) {
      EXPECT_GE(http_code_of(static_cast<v1::JobStatus>(s)), 400) << s;
    }
  }
}

TEST(HttpCodes, RefusalsOfTheNode) {
  EXPECT_EQ(http_code_of(grpc::StatusCode::OK), 200);
  EXPECT_EQ(http_code_of(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(http_code_of(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(http_code_of(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(http_code_of(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(http_code_of(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(http_code_of(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(http_code_of(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(http_code_of(grpc::StatusCode::INTERNAL), 500);
  EXPECT_EQ(http_code_of(grpc::StatusCode::DATA_LOSS), 500);
  for (int c = 1; c <= 16; ++c) {
    EXPECT_GE(http_code_of(static_cast<grpc::StatusCode>(c)), 400) << c;
  }
}

TEST(HttpCodes, RetryAfterIsWholeSecondsAndAtLeastOne) {
  EXPECT_EQ(retry_after_seconds(0), "1");
  EXPECT_EQ(retry_after_seconds(1), "1");
  EXPECT_EQ(retry_after_seconds(1000), "1");
  EXPECT_EQ(retry_after_seconds(1001), "2");
  EXPECT_EQ(retry_after_seconds(30'000), "30");
}
