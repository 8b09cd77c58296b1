#include "messages/wire/client_codec.hpp"

#include "messages/errors.hpp"
#include "messages/wire/member_wire.hpp"
#include "messages/wire/millis.hpp"
#include "messages/wire/troupe.pb.h"
#include "messages/wire/utf8.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <chrono>
#include <climits>

namespace troupe::wire::client_codec {

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

void to_wire(const skill_info& x, wire::SkillInfo& out) {
  out.set_name(x.name);
  out.set_version(x.version);
  out.set_description(x.description);
  out.set_blocking(x.blocking);
  out.set_workers(x.workers);
  out.set_busy(x.busy);
  out.set_queued(x.queued);
  out.set_queue_capacity(x.queue_capacity);
  out.set_in_flight(x.in_flight);
  out.set_worker_restarts(x.worker_restarts);
  out.set_idempotent(x.idempotent);
  out.set_kind(x.kind);
  out.set_idle(x.idle);
  out.set_starting(x.starting);
  out.set_min_workers(x.min_workers);
  out.set_max_workers(x.max_workers);
  out.set_cached(x.cached);
}

skill_info from_wire(const wire::SkillInfo& x) {
  skill_info out;
  out.name = x.name();
  out.version = x.version();
  out.description = x.description();
  out.blocking = x.blocking();
  out.workers = x.workers();
  out.busy = x.busy();
  out.queued = x.queued();
  out.queue_capacity = x.queue_capacity();
  out.in_flight = x.in_flight();
  out.worker_restarts = x.worker_restarts();
  out.idempotent = x.idempotent();
  out.kind = x.kind();
  out.idle = x.idle();
  out.starting = x.starting();
  out.min_workers = x.min_workers();
  out.max_workers = x.max_workers();
  out.cached = x.cached();
  return out;
}

void to_wire(const cache_status& x, wire::CacheStatus& out) {
  out.set_shards(x.shards);
  out.set_hits(x.hits);
  out.set_misses(x.misses);
  out.set_coalesced(x.coalesced);
  out.set_bypassed(x.bypassed);
  out.set_refreshed(x.refreshed);
  out.set_entries(x.entries);
  out.set_bytes(x.bytes);
  out.set_budget(x.budget);
  out.set_evicted_size(x.evicted_size);
  out.set_evicted_ttl(x.evicted_ttl);
  out.set_rejected_admission(x.rejected_admission);
  out.set_rejected_too_large(x.rejected_too_large);
  out.set_refresh_aheads(x.refresh_aheads);
  out.set_in_flight(x.in_flight);
  for (auto& s : x.skills) {
    auto* ps = out.add_skills();
    ps->set_skill(s.skill);
    ps->set_hits(s.hits);
    ps->set_misses(s.misses);
  }
}

cache_status from_wire(const wire::CacheStatus& x) {
  cache_status out;
  out.shards = x.shards();
  out.hits = x.hits();
  out.misses = x.misses();
  out.coalesced = x.coalesced();
  out.bypassed = x.bypassed();
  out.refreshed = x.refreshed();
  out.entries = x.entries();
  out.bytes = x.bytes();
  out.budget = x.budget();
  out.evicted_size = x.evicted_size();
  out.evicted_ttl = x.evicted_ttl();
  out.rejected_admission = x.rejected_admission();
  out.rejected_too_large = x.rejected_too_large();
  out.refresh_aheads = x.refresh_aheads();
  out.in_flight = x.in_flight();
  for (auto& ps : x.skills())
    out.skills.push_back(skill_hits{ps.skill(), ps.hits(), ps.misses()});
  return out;
}

wire::Severity to_wire(severity x) {
  return static_cast<wire::Severity>(static_cast<int>(x) + 1);
}

bool from_wire(int x, severity& out) {
  if (x < 1 || x > 3)
    return false;
  out = static_cast<severity>(x - 1);
  return true;
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

wire::BreakerState to_wire(circuit_state x) {
  // wire::BreakerState is circuit_state shifted by one (0 = unspecified).
  return static_cast<wire::BreakerState>(static_cast<int>(x) + 1);
}

bool from_wire(wire::BreakerState x, circuit_state& out) {
  if (x < wire::CLOSED || x > wire::FORCED_CLOSED)
    return false;
  out = static_cast<circuit_state>(static_cast<int>(x) - 1);
  return true;
}

void to_wire(const breaker_status& x, wire::BreakerStatus& out) {
  out.set_skill(x.skill);
  out.set_enabled(x.enabled);
  out.set_state(to_wire(x.state));
  out.set_calls(x.calls);
  out.set_failures(x.failures);
  out.set_slow_calls(x.slow_calls);
  out.set_failure_rate(x.failure_rate);
  out.set_slow_call_rate(x.slow_call_rate);
  out.set_minimum_calls(x.minimum_calls);
  out.set_failure_rate_threshold(x.failure_rate_threshold);
  out.set_slow_call_rate_threshold(x.slow_call_rate_threshold);
  out.set_until_half_open_ms(to_millis(x.until_half_open));
  out.set_trial_calls(x.trial_calls);
  out.set_half_open_calls(x.half_open_calls);
  out.set_trips(x.trips);
  out.set_rejected(x.rejected);
  out.set_fallbacks(x.fallbacks);
  out.set_retries(x.retries);
  out.set_fallback(x.fallback);
}

bool from_wire(const wire::BreakerStatus& x, breaker_status& out) {
  if (!from_wire(x.state(), out.state))
    return false;
  out.skill = x.skill();
  out.enabled = x.enabled();
  out.calls = x.calls();
  out.failures = x.failures();
  out.slow_calls = x.slow_calls();
  out.failure_rate = x.failure_rate();
  out.slow_call_rate = x.slow_call_rate();
  out.minimum_calls = x.minimum_calls();
  out.failure_rate_threshold = x.failure_rate_threshold();
  out.slow_call_rate_threshold = x.slow_call_rate_threshold();
  out.until_half_open = from_millis(x.until_half_open_ms());
  out.trial_calls = x.trial_calls();
  out.half_open_calls = x.half_open_calls();
  out.trips = x.trips();
  out.rejected = x.rejected();
  out.fallbacks = x.fallbacks();
  out.retries = x.retries();
  out.fallback = x.fallback();
  return true;
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

std::string encode_query(query_kind kind) {
  wire::ClientRequest req;
  req.set_protocol_version(protocol_version);
  if (kind == query_kind::list_skills)
    req.mutable_list_skills();
  else if (kind == query_kind::crash_actor)
    req.mutable_crash_actor();
  else
    req.mutable_get_status();
  return serialize(req);
}

std::string encode_crash_query(const std::string& target) {
  wire::ClientRequest req;
  req.set_protocol_version(protocol_version);
  req.mutable_crash_actor()->set_target(target);
  return serialize(req);
}

std::string encode_breaker_query(const std::string& skill,
                                 breaker_command command) {
  wire::ClientRequest req;
  req.set_protocol_version(protocol_version);
  auto* b = req.mutable_breaker();
  b->set_skill(skill);
  switch (command) {
    case breaker_command::force_open:
      b->set_action(wire::BreakerCommand::FORCE_OPEN);
      break;
    case breaker_command::force_close:
      b->set_action(wire::BreakerCommand::FORCE_CLOSE);
      break;
    case breaker_command::reset:
      b->set_action(wire::BreakerCommand::RESET);
      break;
    default:
      b->set_action(wire::BreakerCommand::SHOW);
  }
  return serialize(req);
}

caf::expected<query> decode_query(const std::string& bytes) {
  wire::ClientRequest req;
  if (!req.ParseFromString(bytes))
    return malformed("request is not a valid troupe.wire.ClientRequest");
  if (req.protocol_version() != protocol_version)
    return version_mismatch(req.protocol_version());
  query out;
  switch (req.kind_case()) {
    case wire::ClientRequest::kListSkills:
      out.kind = query_kind::list_skills;
      return out;
    case wire::ClientRequest::kGetStatus:
      out.kind = query_kind::get_status;
      return out;
    case wire::ClientRequest::kBreaker: {
      auto& b = req.breaker();
      out.kind = query_kind::breaker;
      out.skill = b.skill();
      switch (b.action()) {
        case wire::BreakerCommand::SHOW:
          out.command = breaker_command::show;
          break;
        case wire::BreakerCommand::FORCE_OPEN:
          out.command = breaker_command::force_open;
          break;
        case wire::BreakerCommand::FORCE_CLOSE:
          out.command = breaker_command::force_close;
          break;
        case wire::BreakerCommand::RESET:
          out.command = breaker_command::reset;
          break;
        default:
          return malformed("breaker command with an unknown action");
      }
      if (out.skill.empty())
        return malformed("breaker command names no skill");
      return out;
    }
    case wire::ClientRequest::kCrashActor:
      out.kind = query_kind::crash_actor;
      out.target = req.crash_actor().target();
      return out;
    default:
      return malformed("request names no known query");
  }
}

std::string encode_response(const skill_list& x) {
  wire::ClientResponse resp;
  auto* list = resp.mutable_skills();
  for (auto& s : x.skills)
    to_wire(s, *list->add_skills());
  return serialize(resp);
}

std::string encode_response(const node_status& x) {
  wire::ClientResponse resp;
  auto* st = resp.mutable_status();
  st->set_name(x.name);
  st->set_address(x.address);
  st->set_version(x.version);
  st->set_uptime_ms(x.uptime_ms);
  st->set_in_flight(x.in_flight);
  for (auto& s : x.skills)
    to_wire(s, *st->add_skills());
  for (auto& m : x.members)
    to_wire(m, *st->add_members());
  if (x.cache.shards > 0)
    to_wire(x.cache, *st->mutable_cache());
  for (auto& b : x.breakers)
    to_wire(b, *st->add_breakers());
  for (auto& c : x.counts) {
    auto* pc = st->add_counts();
    pc->set_skill(c.skill);
    pc->set_status(to_wire(c.status));
    pc->set_count(c.count);
  }
  st->set_health_score(x.health_score);
  for (auto& a : x.alerts) {
    auto* pa = st->add_alerts();
    pa->set_severity(to_wire(a.level));
    pa->set_rule(a.rule);
    pa->set_subject(a.subject);
    pa->set_message(a.message);
    pa->set_age_ms(a.age_ms);
  }
  for (auto& r : x.restarts) {
    auto* pr = st->add_restarts();
    pr->set_supervisor(r.supervisor);
    pr->set_child(r.child);
    pr->set_restarts(r.restarts);
  }
  st->set_draining(x.draining);
  return serialize(resp);
}

std::string encode_response(const acknowledgement& x) {
  wire::ClientResponse resp;
  resp.mutable_ack()->set_message(x.message);
  return serialize(resp);
}

std::string encode_response(const breaker_status& x) {
  wire::ClientResponse resp;
  to_wire(x, *resp.mutable_breaker());
  return serialize(resp);
}

std::string encode_error_response(const std::string& message) {
  wire::ClientResponse resp;
  resp.mutable_error()->set_message(message);
  return serialize(resp);
}

caf::expected<response> decode_response(const std::string& bytes) {
  wire::ClientResponse resp;
  if (!resp.ParseFromString(bytes))
    return malformed("response is not a valid troupe.wire.ClientResponse");
  switch (resp.kind_case()) {
    case wire::ClientResponse::kSkills: {
      skill_list out;
      for (auto& s : resp.skills().skills())
        out.skills.push_back(from_wire(s));
      return response{std::move(out)};
    }
    case wire::ClientResponse::kStatus: {
      const auto& st = resp.status();
      node_status out;
      out.name = st.name();
      out.address = st.address();
      out.version = st.version();
      out.uptime_ms = st.uptime_ms();
      out.in_flight = st.in_flight();
      for (auto& s : st.skills())
        out.skills.push_back(from_wire(s));
      for (auto& pc : st.counts()) {
        job_count c;
        c.skill = pc.skill();
        if (!from_wire(pc.status(), c.status))
          return malformed("job count without a valid status");
        c.count = pc.count();
        out.counts.push_back(std::move(c));
      }
      for (auto& pm : st.members()) {
        member m;
        if (!from_wire(pm, m))
          return malformed("member record without a name or status");
        out.members.push_back(std::move(m));
      }
      if (st.has_cache())
        out.cache = from_wire(st.cache());
      out.health_score = st.health_score();
      for (auto& pa : st.alerts()) {
        alert a;
        if (!from_wire(pa.severity(), a.level))
          return malformed("alert without a valid severity");
        a.rule = pa.rule();
        a.subject = pa.subject();
        a.message = pa.message();
        a.age_ms = pa.age_ms();
        out.alerts.push_back(std::move(a));
      }
      for (auto& pr : st.restarts())
        out.restarts.push_back(
          restart_count{pr.supervisor(), pr.child(), pr.restarts()});
      out.draining = st.draining();
      for (auto& pb : st.breakers()) {
        breaker_status b;
        if (!from_wire(pb, b))
          return malformed("breaker status without a valid state");
        out.breakers.push_back(std::move(b));
      }
      return response{std::move(out)};
    }
    case wire::ClientResponse::kBreaker: {
      breaker_status out;
      if (!from_wire(resp.breaker(), out))
        return malformed("breaker status without a valid state");
      return response{std::move(out)};
    }
    case wire::ClientResponse::kAck:
      return response{acknowledgement{resp.ack().message()}};
    case wire::ClientResponse::kError:
      return caf::make_error(error_code::rejected, resp.error().message());
    default:
      return malformed("response carries nothing");
  }
}

} // namespace troupe::wire::client_codec
