#include "messages/errors.hpp"
#include "messages/wire/worker_codec.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>

namespace {

using namespace std::chrono_literals;
namespace wc = troupe::wire::worker_codec;

// Feeds `bytes` to the reader in chunks of `chunk`.
void feed(wc::frame_reader& r, const std::string& bytes, size_t chunk) {
  for (size_t off = 0; off < bytes.size(); off += chunk) {
    auto n = std::min(chunk, bytes.size() - off);
    std::memcpy(r.prepare(n), bytes.data() + off, n);
    r.commit(n);
  }
}

TEST(WorkerCodec, JobAndPingRequestsRoundTrip) {
  std::string out;
  wc::append_job(out, 7, "upper", "2", std::string("a\0b", 3), 1500ms, 2);
  wc::append_ping(out, 8);
  wc::frame_reader r{1024};
  feed(r, out, out.size());
  std::string_view payload;
  ASSERT_EQ(r.next(payload), wc::frame_reader::status::frame);
  auto job = wc::decode_request(payload);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->id, 7u);
  EXPECT_EQ(job->what, wc::request::kind::job);
  EXPECT_EQ(job->skill, "upper");
  EXPECT_EQ(job->version, "2");
  EXPECT_EQ(job->input, std::string("a\0b", 3));
  EXPECT_EQ(job->timeout_ms, 1500u);
  EXPECT_EQ(job->attempt, 2u);
  ASSERT_EQ(r.next(payload), wc::frame_reader::status::frame);
  auto ping = wc::decode_request(payload);
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->what, wc::request::kind::ping);
  EXPECT_EQ(ping->id, 8u);
  EXPECT_EQ(r.next(payload), wc::frame_reader::status::incomplete);
}

TEST(WorkerCodec, ResponsesRoundTripEveryKind) {
  for (auto kind : {wc::response::kind::output, wc::response::kind::error,
                    wc::response::kind::bad_input, wc::response::kind::pong}) {
    wc::response in;
    in.id = 42;
    in.what = kind;
    in.data = kind == wc::response::kind::pong ? "" : "some text";
    std::string out;
    wc::append_response(out, in);
    ASSERT_GE(out.size(), wc::prefix_bytes);
    auto back
      = wc::decode_response(std::string_view{out}.substr(wc::prefix_bytes));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->id, 42u);
    EXPECT_EQ(back->what, kind);
    EXPECT_EQ(back->data, in.data);
  }
}

TEST(WorkerCodec, EmptyOutputIsStillAnOutput) {
  wc::response in;
  in.id = 1;
  in.what = wc::response::kind::output;
  std::string out;
  wc::append_response(out, in);
  auto back
    = wc::decode_response(std::string_view{out}.substr(wc::prefix_bytes));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->what, wc::response::kind::output);
  EXPECT_TRUE(back->data.empty());
}

TEST(WorkerCodec, FramesSplitAcrossReadsAreReassembled) {
  std::string out;
  for (uint64_t id = 1; id <= 50; ++id)
    wc::append_job(out, id, "s", "1", std::string(id * 37, 'x'), 1s, 1);
  for (size_t chunk : {1u, 3u, 7u, 4096u}) {
    wc::frame_reader r{1 << 20};
    uint64_t expected = 1;
    for (size_t off = 0; off < out.size(); off += chunk) {
      auto n = std::min(chunk, out.size() - off);
      std::memcpy(r.prepare(n), out.data() + off, n);
      r.commit(n);
      std::string_view payload;
      while (r.next(payload) == wc::frame_reader::status::frame) {
        auto req = wc::decode_request(payload);
        ASSERT_TRUE(req);
        EXPECT_EQ(req->id, expected);
        EXPECT_EQ(req->input.size(), expected * 37);
        ++expected;
      }
    }
    EXPECT_EQ(expected, 51u) << "chunk " << chunk;
    EXPECT_EQ(r.buffered(), 0u);
  }
}

TEST(WorkerCodec, OversizedFrameIsRefusedBeforeItArrives) {
  wc::frame_reader r{100};
  // Only the prefix of a 1 GiB frame: refused at once, and for good.
  std::string prefix{"\x40\x00\x00\x00", 4};
  feed(r, prefix, 4);
  std::string_view payload;
  EXPECT_EQ(r.next(payload), wc::frame_reader::status::too_large);
  EXPECT_EQ(r.refused_length(), 1u << 30);
  std::string more;
  wc::append_ping(more, 1);
  feed(r, more, more.size());
  EXPECT_EQ(r.next(payload), wc::frame_reader::status::too_large);
}

TEST(WorkerCodec, MalformedPayloadsAreErrors) {
  auto garbage = wc::decode_response(std::string_view{"\xff\xff\xff", 3});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().category(), caf::atom("troupe"));
  EXPECT_EQ(garbage.error().code(),
            static_cast<uint8_t>(troupe::error_code::malformed_message));
  // A valid message carrying nothing.
  auto empty = wc::decode_response(std::string_view{});
  ASSERT_FALSE(empty);
  EXPECT_NE(troupe::message_of(empty.error()).find("neither"),
            std::string::npos);
  EXPECT_FALSE(wc::decode_request(std::string_view{"\xff\xff", 2}));
  EXPECT_FALSE(wc::decode_request(std::string_view{}));
}

} // namespace
