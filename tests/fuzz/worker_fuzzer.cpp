// libFuzzer target for the protocol between a node and its worker
// processes: a byte stream cut into frames (in pieces of sizes the input
// chooses, as a pipe delivers them) and each frame read as a request (the
// worker's side) and as a response (the node's side). Beyond crashes and
// sanitizer findings: no frame above the bound is buffered, and a response
// that decodes encodes again into the same response.
#include "messages/wire/worker_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace {

namespace wc = troupe::wire::worker_codec;

constexpr uint64_t max_frame = 1 << 16;

void broken(const char* what) {
  troupe::fuzz::broken("worker", what);
}

void check_frame(std::string_view payload) {
  if (payload.size() > max_frame)
    broken("a frame above the bound was returned");
  (void)wc::decode_request(payload);
  auto r = wc::decode_response(payload);
  if (!r)
    return;
  std::string framed;
  wc::append_response(framed, *r);
  wc::frame_reader reader{max_frame + 64};
  auto* at = reader.prepare(framed.size());
  std::memcpy(at, framed.data(), framed.size());
  reader.commit(framed.size());
  std::string_view again;
  if (reader.next(again) != wc::frame_reader::status::frame)
    broken("an encoded response is not one frame");
  auto back = wc::decode_response(again);
  if (!back || back->id != r->id || back->what != r->what
      || back->data != r->data)
    broken("a response does not survive a round trip");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  // The first byte chooses the piece size, the rest is the stream.
  size_t piece = static_cast<size_t>(data[0]) + 1;
  std::string_view stream{reinterpret_cast<const char*>(data + 1), size - 1};
  wc::frame_reader reader{max_frame};
  while (!stream.empty()) {
    auto n = std::min(piece, stream.size());
    auto* at = reader.prepare(n);
    std::memcpy(at, stream.data(), n);
    reader.commit(n);
    stream.remove_prefix(n);
    for (;;) {
      std::string_view payload;
      auto st = reader.next(payload);
      if (st == wc::frame_reader::status::too_large)
        return 0;
      if (st == wc::frame_reader::status::incomplete)
        break;
      check_frame(payload);
    }
    if (reader.buffered() > max_frame + 16)
      broken("more than a frame's bound is buffered");
  }
  return 0;
}
