#include "messages/wire/batch_codec.hpp"

#include "messages/errors.hpp"
#include "messages/wire/member_wire.hpp"
#include "messages/wire/millis.hpp"
#include "messages/wire/troupe.pb.h"
#include "messages/wire/utf8.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <chrono>
#include <climits>

namespace troupe::wire::batch_codec {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

wire::Status to_wire(job_status x) {
  // wire::Status is job_status shifted by one to keep 0 as "unspecified".
  return static_cast<wire::Status>(static_cast<int>(x) + 1);
}

bool from_wire(int x, job_status& out) {
  if (x < 1 || x > static_cast<int>(job_status_count))
    return false;
  out = static_cast<job_status>(x - 1);
  return true;
}

wire::CacheMode to_wire(cache_mode x) {
  switch (x) {
    case cache_mode::bypass:
      return wire::CACHE_BYPASS;
    case cache_mode::refresh:
      return wire::CACHE_REFRESH;
    default:
      return wire::CACHE_DEFAULT;
  }
}

cache_mode from_wire(wire::CacheMode x) {
  switch (x) {
    case wire::CACHE_BYPASS:
      return cache_mode::bypass;
    case wire::CACHE_REFRESH:
      return cache_mode::refresh;
    default:
      return cache_mode::normal;
  }
}

caf::error malformed(const char* what) {
  return caf::make_error(error_code::malformed_message, std::string{what});
}

caf::error version_mismatch(uint32_t got) {
  return caf::make_error(error_code::protocol_mismatch,
                         "client speaks protocol version " + std::to_string(got)
                           + ", this node speaks "
                           + std::to_string(protocol_version));
}

std::string serialize(const google::protobuf::MessageLite& msg) {
  std::string out;
  msg.SerializeToString(&out);
  return out;
}

} // namespace

std::string encode_submit(const std::vector<job>& jobs, uint64_t batch_id) {
  return encode_submit(jobs.data(), jobs.data() + jobs.size(), batch_id);
}

std::string encode_submit(const job* first, const job* last,
                          uint64_t batch_id) {
  wire::SubmitBatch batch;
  batch.set_protocol_version(protocol_version);
  batch.mutable_jobs()->Reserve(static_cast<int>(last - first));
  for (auto* i = first; i != last; ++i) {
    auto& j = *i;
    auto* pj = batch.add_jobs();
    pj->set_id(j.id);
    pj->set_skill(j.skill);
    pj->set_input(j.input);
    auto* po = pj->mutable_options();
    po->set_timeout_ms(to_millis(j.options.timeout));
    po->set_cache(to_wire(j.options.cache));
    po->set_priority(j.options.priority);
    po->set_max_attempts(j.options.max_attempts);
    po->set_placed(j.options.placed);
    po->set_origin(j.options.origin);
    po->set_cache_lookup(j.options.cache_lookup);
    po->set_trace(j.options.trace);
  }
  // The batch id goes first, ahead of what protobuf writes (fields may come
  // in any order on the wire), so that `peek_batch_id` finds it at once.
  std::string out;
  if (batch_id != 0) {
    using google::protobuf::internal::WireFormatLite;
    uint8_t prefix[1 + 10];
    auto* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(
      batch_id,
      google::protobuf::io::CodedOutputStream::WriteTagToArray(
        WireFormatLite::MakeTag(wire::SubmitBatch::kBatchIdFieldNumber,
                                WireFormatLite::WIRETYPE_VARINT),
        prefix));
    out.assign(reinterpret_cast<const char*>(prefix),
               static_cast<size_t>(end - prefix));
  }
  batch.AppendToString(&out);
  return out;
}

namespace {

// Why a job's text field cannot be used; empty when it can.
std::string check_name(const char* what, const std::string& x) {
  if (x.size() > max_name_bytes)
    return std::string{what} + " of " + std::to_string(x.size())
           + " bytes is too long (at most " + std::to_string(max_name_bytes)
           + ")";
  auto bad = utf8::first_invalid(x);
  if (bad != x.size()) {
    static constexpr char hex[] = "0123456789ABCDEF";
    auto byte = static_cast<unsigned char>(x[bad]);
    return std::string{what} + " is not valid UTF-8 (byte 0x" + hex[byte >> 4]
           + hex[byte & 0xF] + " at offset " + std::to_string(bad) + ")";
  }
  return {};
}

} // namespace

caf::expected<submit_batch> decode_submit(const std::string& bytes) {
  wire::SubmitBatch batch;
  if (!batch.ParseFromString(bytes))
    return malformed("submit batch is not a valid troupe.wire.SubmitBatch");
  if (batch.protocol_version() != protocol_version)
    return version_mismatch(batch.protocol_version());
  submit_batch out;
  out.id = batch.batch_id();
  out.jobs.reserve(static_cast<size_t>(batch.jobs_size()));
  for (auto& pj : *batch.mutable_jobs()) {
    const auto& po = pj.options();
    auto why = check_name("skill name", pj.skill());
    if (why.empty())
      why = check_name("origin", po.origin());
    if (!why.empty()) {
      out.refused.push_back(refused_job{pj.id(), std::move(why)});
      continue;
    }
    job j;
    j.id = pj.id();
    j.skill = std::move(*pj.mutable_skill());
    j.input = std::move(*pj.mutable_input());
    j.options.timeout = from_millis(po.timeout_ms());
    j.options.cache = from_wire(po.cache());
    j.options.priority = po.priority();
    j.options.max_attempts = po.max_attempts();
    j.options.placed = po.placed();
    j.options.origin = po.origin();
    j.options.cache_lookup = po.cache_lookup();
    j.options.trace = po.trace();
    out.jobs.push_back(std::move(j));
  }
  return out;
}

uint64_t peek_batch_id(const std::string& bytes) noexcept {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in{
    reinterpret_cast<const uint8_t*>(bytes.data()),
    static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX))};
  for (;;) {
    auto tag = in.ReadTag();
    if (tag == 0)
      return 0;
    if (WireFormatLite::GetTagFieldNumber(tag)
          == wire::SubmitBatch::kBatchIdFieldNumber
        && WireFormatLite::GetTagWireType(tag)
             == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t id = 0;
      return in.ReadVarint64(&id) ? id : 0;
    }
    // Skipping a length-delimited field (a job) only moves the position.
    if (!WireFormatLite::SkipField(&in, tag))
      return 0;
  }
}

namespace {

// Protobuf `string` fields must hold UTF-8; the rare bad value is repaired
// rather than sinking every result of its batch.
void set_text(std::string* field, const std::string& x) {
  if (utf8::valid(x))
    field->assign(x);
  else
    *field = utf8::sanitized(x);
}

} // namespace

std::string encode_results(const std::vector<job_result>& results) {
  return encode_results(results.data(), results.data() + results.size());
}

std::string encode_results(const job_result* first, const job_result* last) {
  wire::ResultBatch batch;
  batch.mutable_results()->Reserve(static_cast<int>(last - first));
  for (auto i = first; i != last; ++i) {
    auto& r = *i;
    auto* pr = batch.add_results();
    pr->set_id(r.id);
    pr->set_status(to_wire(r.status));
    pr->set_output(r.output);
    set_text(pr->mutable_error(), r.error);
    set_text(pr->mutable_node(), r.node);
    pr->set_queue_us(
      static_cast<uint64_t>(duration_cast<microseconds>(r.queue_time).count()));
    pr->set_run_us(
      static_cast<uint64_t>(duration_cast<microseconds>(r.run_time).count()));
    pr->set_cache_hit(r.cache_hit);
    pr->set_attempts(r.attempts);
    set_text(pr->mutable_skill(), r.skill);
    set_text(pr->mutable_fallback(), r.fallback);
    pr->set_retry_after_ms(to_millis(r.retry_after));
  }
  return serialize(batch);
}

std::string encode_refusal(const batch_refusal& refusal) {
  wire::ResultBatch batch;
  auto* pr = batch.add_refusals();
  pr->set_batch_id(refusal.batch_id);
  pr->set_status(to_wire(refusal.status));
  set_text(pr->mutable_error(), refusal.error);
  return serialize(batch);
}

caf::expected<result_batch> decode_results(const std::string& bytes) {
  wire::ResultBatch batch;
  if (!batch.ParseFromString(bytes))
    return malformed("result batch is not a valid troupe.wire.ResultBatch");
  result_batch out;
  out.results.reserve(static_cast<size_t>(batch.results_size()));
  for (auto& pr : *batch.mutable_results()) {
    job_result r;
    r.id = pr.id();
    if (!from_wire(pr.status(), r.status))
      return malformed("job result without a valid status");
    r.output = std::move(*pr.mutable_output());
    r.error = std::move(*pr.mutable_error());
    r.node = std::move(*pr.mutable_node());
    r.queue_time = std::chrono::duration_cast<caf::timespan>(
      microseconds{static_cast<int64_t>(pr.queue_us())});
    r.run_time = std::chrono::duration_cast<caf::timespan>(
      microseconds{static_cast<int64_t>(pr.run_us())});
    r.cache_hit = pr.cache_hit();
    r.attempts = pr.attempts();
    r.skill = std::move(*pr.mutable_skill());
    r.fallback = std::move(*pr.mutable_fallback());
    r.retry_after = from_millis(pr.retry_after_ms());
    out.results.push_back(std::move(r));
  }
  for (auto& pr : *batch.mutable_refusals()) {
    batch_refusal x;
    x.batch_id = pr.batch_id();
    if (!from_wire(pr.status(), x.status))
      return malformed("batch refusal without a valid status");
    x.error = std::move(*pr.mutable_error());
    out.refusals.push_back(std::move(x));
  }
  return out;
}

std::string encode_cancel(const std::vector<uint64_t>& ids) {
  wire::CancelJobs req;
  req.set_protocol_version(protocol_version);
  req.mutable_ids()->Add(ids.begin(), ids.end());
  return serialize(req);
}

caf::expected<std::vector<uint64_t>> decode_cancel(const std::string& bytes) {
  wire::CancelJobs req;
  if (!req.ParseFromString(bytes))
    return malformed("request is not a valid troupe.wire.CancelJobs");
  if (req.protocol_version() != protocol_version)
    return version_mismatch(req.protocol_version());
  return std::vector<uint64_t>(req.ids().begin(), req.ids().end());
}

} // namespace troupe::wire::batch_codec
