// libFuzzer target for what a client sends the door: the bytes of a
// troupe.v1 `JobBatch` (a `Run` stream's message; a `Submit` carries one
// `Job` the same way) and the door's conversion of each job. Beyond crashes
// and sanitizer findings: a job the door takes is within its limits and
// converts back to a job the door takes again.
#include "messages/wire/api_codec.hpp"
#include "messages/wire/utf8.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>

#include "troupe/v1/troupe.pb.h"

namespace {

constexpr size_t max_input = 4096;

void broken(const char* what) {
  troupe::fuzz::broken("api", what);
}

void check_job(const troupe::v1::Job& in) {
  troupe::job j;
  if (!troupe::wire::api::from_proto(in, j, max_input).empty())
    return;
  if (j.input.size() > max_input)
    broken("a job above max-job-bytes was taken");
  if (!troupe::utf8::valid(j.skill))
    broken("a skill name that is not UTF-8 was taken");
  troupe::v1::Job back;
  troupe::wire::api::to_proto(j, back);
  troupe::job again;
  if (!troupe::wire::api::from_proto(back, again, max_input).empty())
    broken("a job taken once is refused after a round trip");
  if (again.skill != j.skill || again.input != j.input)
    broken("a job changed on a round trip");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  troupe::v1::JobBatch batch;
  if (batch.ParseFromArray(data, static_cast<int>(size)))
    for (const auto& j : batch.jobs())
      check_job(j);
  // What a client reads back is parsed by troupe's own client.
  troupe::v1::ResultBatch results;
  if (results.ParseFromArray(data, static_cast<int>(size)))
    for (const auto& r : results.results()) {
      troupe::job_result out;
      troupe::wire::api::from_proto(r, out);
    }
  troupe::v1::NodeStatus status;
  if (status.ParseFromArray(data, static_cast<int>(size)))
    (void)troupe::wire::api::from_proto(status);
  return 0;
}
