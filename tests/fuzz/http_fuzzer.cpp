// libFuzzer target for what the HTTP/JSON API reads itself: the
// Accept-Encoding value, request bodies as the API's messages in JSON
// (protobuf's mapping of troupe.v1 `Job` and `JobBatch`), and gzip of any
// answer. The first byte picks which. Beyond crashes and sanitizer
// findings: a body that parses prints and parses back to the same
// message, and gzip output inflates back to its input.
#include "actors/http/gzip.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "troupe/v1/troupe.pb.h"

namespace {

namespace pb = google::protobuf;

void broken(const char* what) {
  troupe::fuzz::broken("http", what);
}

template <class Message>
void json_round_trip(std::string_view text) {
  Message msg;
  pb::util::JsonParseOptions opts;
  if (!pb::util::JsonStringToMessage(std::string{text}, &msg, opts).ok())
    return;
  std::string printed;
  if (!pb::util::MessageToJsonString(msg, &printed).ok())
    broken("a parsed message does not print");
  Message back;
  if (!pb::util::JsonStringToMessage(printed, &back, opts).ok())
    broken("a printed message does not parse");
  if (!pb::util::MessageDifferencer::Equals(msg, back))
    broken("a message changed on its way through JSON");
}

void gzip_round_trip(std::string_view data) {
  auto zipped = troupe::http::gzip(data);
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK)
    return;
  std::string out(data.size() + 1, '\0');
  z.next_in = reinterpret_cast<Bytef*>(zipped.data());
  z.avail_in = static_cast<uInt>(zipped.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  auto rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  if (rc != Z_STREAM_END || out != data)
    broken("gzip output does not inflate to its input");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view rest{reinterpret_cast<const char*>(data) + 1, size - 1};
  switch (data[0] % 4) {
    case 0:
      (void)troupe::http::accepts_gzip(rest);
      break;
    case 1:
      json_round_trip<troupe::v1::Job>(rest);
      break;
    case 2:
      json_round_trip<troupe::v1::JobBatch>(rest);
      break;
    default:
      gzip_round_trip(rest);
  }
  return 0;
}
