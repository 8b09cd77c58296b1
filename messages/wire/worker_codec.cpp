#include "messages/wire/worker_codec.hpp"

#include "messages/errors.hpp"
#include "messages/wire/troupe.pb.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace troupe::wire::worker_codec {

namespace {

// Serializes `msg` behind its length prefix, straight into `out`.
void append_message(std::string& out,
                    const google::protobuf::MessageLite& msg) {
  auto size = msg.ByteSizeLong();
  auto at = out.size();
  out.resize(at + prefix_bytes + size);
  auto* p = reinterpret_cast<unsigned char*>(&out[at]);
  p[0] = static_cast<unsigned char>(size >> 24);
  p[1] = static_cast<unsigned char>(size >> 16);
  p[2] = static_cast<unsigned char>(size >> 8);
  p[3] = static_cast<unsigned char>(size);
  msg.SerializeWithCachedSizesToArray(p + prefix_bytes);
}

caf::error malformed(std::string what) {
  return caf::make_error(error_code::malformed_message, std::move(what));
}

} // namespace

void append_job(std::string& out, uint64_t id, const std::string& skill,
                const std::string& version, const std::string& input,
                caf::timespan time_left, uint32_t attempt) {
  wire::WorkerRequest req;
  req.set_id(id);
  auto* j = req.mutable_job();
  j->set_skill(skill);
  j->set_version(version);
  j->set_input(input);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time_left);
  j->set_timeout_ms(static_cast<uint64_t>(std::max<int64_t>(ms.count(), 0)));
  j->set_attempt(attempt);
  append_message(out, req);
}

void append_ping(std::string& out, uint64_t id) {
  wire::WorkerRequest req;
  req.set_id(id);
  req.mutable_ping();
  append_message(out, req);
}

caf::expected<request> decode_request(std::string_view bytes) {
  wire::WorkerRequest req;
  if (!req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return malformed("frame is not a valid troupe.wire.WorkerRequest");
  request out;
  out.id = req.id();
  switch (req.kind_case()) {
    case wire::WorkerRequest::kJob:
      out.what = request::kind::job;
      out.skill = req.job().skill();
      out.version = req.job().version();
      out.input = req.job().input();
      out.timeout_ms = req.job().timeout_ms();
      out.attempt = req.job().attempt();
      return out;
    case wire::WorkerRequest::kPing:
      out.what = request::kind::ping;
      return out;
    default:
      return malformed("WorkerRequest carries neither a job nor a ping");
  }
}

void append_response(std::string& out, const response& x) {
  wire::WorkerResponse resp;
  resp.set_id(x.id);
  switch (x.what) {
    case response::kind::output:
      resp.set_output(x.data);
      break;
    case response::kind::error:
    case response::kind::bad_input: {
      auto* e = resp.mutable_error();
      e->set_message(x.data);
      e->set_bad_input(x.what == response::kind::bad_input);
      break;
    }
    case response::kind::pong:
      resp.mutable_pong();
      break;
  }
  append_message(out, resp);
}

caf::expected<response> decode_response(std::string_view bytes) {
  wire::WorkerResponse resp;
  if (!resp.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return malformed("frame is not a valid troupe.wire.WorkerResponse");
  response out;
  out.id = resp.id();
  switch (resp.kind_case()) {
    case wire::WorkerResponse::kOutput:
      out.what = response::kind::output;
      out.data = std::move(*resp.mutable_output());
      return out;
    case wire::WorkerResponse::kError:
      out.what = resp.error().bad_input() ? response::kind::bad_input
                                          : response::kind::error;
      out.data = std::move(*resp.mutable_error()->mutable_message());
      return out;
    case wire::WorkerResponse::kPong:
      out.what = response::kind::pong;
      return out;
    default:
      return malformed("WorkerResponse " + std::to_string(out.id)
                       + " carries neither output, error nor pong");
  }
}

char* frame_reader::prepare(size_t n) {
  // Move what is left to the front before growing, so that the buffer stays
  // about one frame large however long the stream runs.
  if (begin_ > 0 && (begin_ == end_ || buf_.size() - end_ < n)) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < n)
    buf_.resize(std::max(end_ + n, buf_.size() * 2));
  return buf_.data() + end_;
}

frame_reader::status frame_reader::next(std::string_view& payload) {
  if (refused_ > 0)
    return status::too_large;
  if (end_ - begin_ < prefix_bytes)
    return status::incomplete;
  auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + begin_);
  uint64_t len = (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16)
                 | (uint64_t{p[2]} << 8) | uint64_t{p[3]};
  if (len > max_frame_) {
    refused_ = std::max<uint64_t>(len, 1);
    return status::too_large;
  }
  if (end_ - begin_ - prefix_bytes < len)
    return status::incomplete;
  payload = std::string_view{buf_.data() + begin_ + prefix_bytes,
                             static_cast<size_t>(len)};
  begin_ += prefix_bytes + len;
  return status::frame;
}

} // namespace troupe::wire::worker_codec
