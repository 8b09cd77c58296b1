#pragma once

#include "messages/job.hpp"
#include "messages/member.hpp"
#include "messages/node_status.hpp"

// Field-by-field comparisons of troupe's payloads with GoogleTest
// expectations, so a failure names the field. A field added to a payload is
// added here once and every round-trip test checks it.
namespace troupe::test {

void expect_equal(const job_options& a, const job_options& b);
void expect_equal(const job& a, const job& b);
void expect_equal(const job_result& a, const job_result& b);
void expect_equal(const skill_info& a, const skill_info& b);
void expect_equal(const job_count& a, const job_count& b);
void expect_equal(const member& a, const member& b);
void expect_equal(const breaker_status& a, const breaker_status& b);

} // namespace troupe::test
