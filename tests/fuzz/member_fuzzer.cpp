// libFuzzer target for what one member sends another: membership messages
// and replies (member_codec) and the batches of jobs, results and
// cancellations of member links (batch_codec). Beyond crashes and sanitizer
// findings: whatever decodes encodes again into bytes that decode.
#include "messages/wire/batch_codec.hpp"
#include "messages/wire/member_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <string>

namespace {

namespace bc = troupe::wire::batch_codec;
namespace mc = troupe::wire::member_codec;

void broken(const char* what) {
  troupe::fuzz::broken("member", what);
}

void check_membership(const std::string& bytes) {
  if (auto msg = mc::decode_message(bytes)) {
    auto again = mc::decode_message(mc::encode(*msg));
    if (!again || again->members.size() != msg->members.size())
      broken("a membership message does not survive a round trip");
  }
  if (auto reply = mc::decode_reply(bytes)) {
    auto again = mc::decode_reply(mc::encode(*reply));
    if (!again || again->members.size() != reply->members.size()
        || again->refused != reply->refused)
      broken("a membership reply does not survive a round trip");
  }
}

void check_batches(const std::string& bytes) {
  (void)bc::peek_batch_id(bytes);
  if (auto batch = bc::decode_submit(bytes)) {
    auto again = bc::decode_submit(bc::encode_submit(batch->jobs, batch->id));
    if (!again || again->jobs.size() != batch->jobs.size()
        || !again->refused.empty())
      broken("the jobs taken from a batch do not survive a round trip");
  }
  if (auto results = bc::decode_results(bytes)) {
    auto again = bc::decode_results(bc::encode_results(results->results));
    if (!again || again->results.size() != results->results.size())
      broken("the results of a batch do not survive a round trip");
  }
  if (auto ids = bc::decode_cancel(bytes)) {
    auto again = bc::decode_cancel(bc::encode_cancel(*ids));
    if (!again || *again != *ids)
      broken("a cancellation does not survive a round trip");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes{reinterpret_cast<const char*>(data), size};
  check_membership(bytes);
  check_batches(bytes);
  return 0;
}
