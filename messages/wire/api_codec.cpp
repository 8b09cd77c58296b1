#include "messages/wire/api_codec.hpp"

#include "messages/wire/millis.hpp"
#include "messages/wire/utf8.hpp"

#include <type_traits>

namespace troupe::wire::api {

namespace {

// Enums of the API are troupe's shifted by one: 0 stays "unspecified".
template <class Proto, class Enum>
Proto shifted(Enum x) {
  return static_cast<Proto>(static_cast<int>(x) + 1);
}

// The troupe value of an API enum value, or `fallback` for 0 and values
// this build does not know (a newer peer may send them).
template <class Enum>
Enum unshifted(int x, int count, Enum fallback) {
  if (x < 1 || x > count)
    return fallback;
  return static_cast<Enum>(x - 1);
}

// Protobuf `string` fields must hold UTF-8; the rare bad value is repaired
// rather than failing the whole message.
void set_text(std::string* field, const std::string& x) {
  if (utf8::valid(x))
    field->assign(x);
  else
    *field = utf8::sanitized(x);
}

v1::CacheMode to_proto(cache_mode x) {
  switch (x) {
    case cache_mode::bypass:
      return v1::CACHE_BYPASS;
    case cache_mode::refresh:
      return v1::CACHE_REFRESH;
    default:
      return v1::CACHE_DEFAULT;
  }
}

cache_mode from_proto(v1::CacheMode x) {
  switch (x) {
    case v1::CACHE_BYPASS:
      return cache_mode::bypass;
    case v1::CACHE_REFRESH:
      return cache_mode::refresh;
    default:
      return cache_mode::normal;
  }
}

void to_proto(const skill_info& x, v1::SkillInfo& out) {
  out.set_name(x.name);
  out.set_version(x.version);
  set_text(out.mutable_description(), x.description);
  out.set_kind(x.kind);
  out.set_idempotent(x.idempotent);
  out.set_cached(x.cached);
  out.set_workers(x.workers);
  out.set_busy(x.busy);
  out.set_idle(x.idle);
  out.set_starting(x.starting);
  out.set_min_workers(x.min_workers);
  out.set_max_workers(x.max_workers);
  out.set_queued(x.queued);
  out.set_queue_capacity(x.queue_capacity);
  out.set_in_flight(x.in_flight);
  out.set_worker_restarts(x.worker_restarts);
  out.set_blocking(x.blocking);
}

skill_info from_proto(const v1::SkillInfo& x) {
  skill_info out;
  out.name = x.name();
  out.version = x.version();
  out.description = x.description();
  out.kind = x.kind();
  out.idempotent = x.idempotent();
  out.cached = x.cached();
  out.workers = x.workers();
  out.busy = x.busy();
  out.idle = x.idle();
  out.starting = x.starting();
  out.min_workers = x.min_workers();
  out.max_workers = x.max_workers();
  out.queued = x.queued();
  out.queue_capacity = x.queue_capacity();
  out.in_flight = x.in_flight();
  out.worker_restarts = x.worker_restarts();
  out.blocking = x.blocking();
  return out;
}

void to_proto(const cache_status& x, v1::CacheStatus& out) {
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

cache_status from_proto(const v1::CacheStatus& x) {
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

void to_proto(const member& x, v1::Member& out) {
  out.set_name(x.name);
  out.set_address(x.address);
  out.set_incarnation(x.incarnation);
  out.set_status(shifted<v1::MemberStatus>(x.status));
  for (auto& s : x.skills) {
    auto* ps = out.add_skills();
    ps->set_name(s.name);
    ps->set_workers(s.workers);
    ps->set_busy(s.busy);
    ps->set_queued(s.queued);
    ps->set_idempotent(s.idempotent);
    ps->set_cached(s.cached);
    ps->set_version(s.version);
  }
  out.set_jobs_per_second(x.jobs_per_second);
  out.set_health(x.health);
}

member from_proto(const v1::Member& x) {
  member out;
  out.name = x.name();
  out.address = x.address();
  out.incarnation = x.incarnation();
  out.status = unshifted(x.status(), 4, member_status::down);
  for (auto& ps : x.skills())
    out.skills.push_back(skill_load{ps.name(), ps.workers(), ps.busy(),
                                    ps.queued(), ps.idempotent(), ps.cached(),
                                    ps.version()});
  out.jobs_per_second = x.jobs_per_second();
  out.health = x.health();
  return out;
}

} // namespace

job_status from_proto(v1::JobStatus in) {
  return unshifted(in, static_cast<int>(job_status_count),
                   job_status::internal);
}

v1::JobStatus to_proto(job_status in) {
  return shifted<v1::JobStatus>(in);
}

void to_proto(const job& in, v1::Job& out) {
  out.set_skill(in.skill);
  if (utf8::valid(in.input))
    out.set_input(in.input);
  else
    out.set_input_bytes(in.input);
  out.set_ref(in.id);
  out.set_timeout_ms(to_millis(in.options.timeout));
  out.set_priority(in.options.priority);
  out.set_cache(to_proto(in.options.cache));
  out.set_max_attempts(in.options.max_attempts);
  out.set_trace(in.options.trace);
}

std::string from_proto(const v1::Job& in, job& out, size_t max_input_bytes) {
  if (in.skill().empty())
    return "the job names no skill";
  if (in.skill().size() > max_skill_bytes)
    return "skill name of " + std::to_string(in.skill().size())
           + " bytes is too long (at most " + std::to_string(max_skill_bytes)
           + ")";
  const auto& input
    = in.payload_case() == v1::Job::kInputBytes ? in.input_bytes() : in.input();
  if (input.size() > max_input_bytes)
    return "input of " + std::to_string(input.size())
           + " bytes exceeds the node's max-job-bytes ("
           + std::to_string(max_input_bytes) + ")";
  out.skill = in.skill();
  out.input = input;
  out.options.timeout = from_millis(in.timeout_ms());
  out.options.priority = in.priority();
  out.options.cache = from_proto(in.cache());
  out.options.max_attempts = in.max_attempts();
  out.options.trace = in.trace();
  return {};
}

void to_proto(const job_result& in, v1::JobResult& out) {
  out.set_status(to_proto(in.status));
  if (!in.output.empty()) {
    if (utf8::valid(in.output))
      out.set_output(in.output);
    else
      out.set_output_bytes(in.output);
  }
  if (!in.error.empty())
    set_text(out.mutable_error(), in.error);
  set_text(out.mutable_skill(), in.skill);
  set_text(out.mutable_node(), in.node);
  out.set_queue_us(to_micros(in.queue_time));
  out.set_run_us(to_micros(in.run_time));
  out.set_cache_hit(in.cache_hit);
  out.set_attempts(in.attempts);
  if (!in.fallback.empty())
    set_text(out.mutable_fallback(), in.fallback);
  out.set_retry_after_ms(to_millis(in.retry_after));
}

void from_proto(const v1::JobResult& in, job_result& out) {
  out.id = in.ref();
  out.status = from_proto(in.status());
  out.output = in.payload_case() == v1::JobResult::kOutputBytes
                 ? in.output_bytes()
                 : in.output();
  out.error = in.error();
  out.skill = in.skill();
  out.node = in.node();
  out.queue_time = from_micros(in.queue_us());
  out.run_time = from_micros(in.run_us());
  out.cache_hit = in.cache_hit();
  out.attempts = in.attempts();
  out.fallback = in.fallback();
  out.retry_after = from_millis(in.retry_after_ms());
}

void to_proto(const skill_list& in, v1::SkillList& out) {
  for (auto& s : in.skills)
    to_proto(s, *out.add_skills());
}

skill_list from_proto(const v1::SkillList& in) {
  skill_list out;
  for (auto& s : in.skills())
    out.skills.push_back(from_proto(s));
  return out;
}

void to_proto(const breaker_status& x, v1::BreakerStatus& out) {
  out.set_skill(x.skill);
  out.set_enabled(x.enabled);
  out.set_state(shifted<v1::BreakerState>(x.state));
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

breaker_status from_proto(const v1::BreakerStatus& x) {
  breaker_status out;
  out.skill = x.skill();
  out.enabled = x.enabled();
  out.state = unshifted(x.state(), 5, circuit_state::closed);
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
  return out;
}

void to_proto(const node_status& x, v1::NodeStatus& out) {
  out.set_name(x.name);
  out.set_address(x.address);
  out.set_version(x.version);
  out.set_uptime_ms(x.uptime_ms);
  out.set_in_flight(x.in_flight);
  for (auto& s : x.skills)
    to_proto(s, *out.add_skills());
  for (auto& c : x.counts) {
    auto* pc = out.add_counts();
    pc->set_skill(c.skill);
    pc->set_status(to_proto(c.status));
    pc->set_count(c.count);
  }
  for (auto& m : x.members)
    to_proto(m, *out.add_members());
  if (x.cache.shards > 0)
    to_proto(x.cache, *out.mutable_cache());
  for (auto& b : x.breakers)
    to_proto(b, *out.add_breakers());
  out.set_health_score(x.health_score);
  for (auto& a : x.alerts) {
    auto* pa = out.add_alerts();
    pa->set_severity(shifted<v1::Severity>(a.level));
    set_text(pa->mutable_rule(), a.rule);
    set_text(pa->mutable_subject(), a.subject);
    set_text(pa->mutable_message(), a.message);
    pa->set_age_ms(a.age_ms);
  }
  for (auto& r : x.restarts) {
    auto* pr = out.add_restarts();
    pr->set_supervisor(r.supervisor);
    pr->set_child(r.child);
    pr->set_restarts(r.restarts);
  }
  out.set_draining(x.draining);
}

node_status from_proto(const v1::NodeStatus& x) {
  node_status out;
  out.name = x.name();
  out.address = x.address();
  out.version = x.version();
  out.uptime_ms = x.uptime_ms();
  out.in_flight = x.in_flight();
  for (auto& s : x.skills())
    out.skills.push_back(from_proto(s));
  for (auto& pc : x.counts())
    out.counts.push_back(
      job_count{pc.skill(), from_proto(pc.status()), pc.count()});
  for (auto& pm : x.members())
    out.members.push_back(from_proto(pm));
  if (x.has_cache())
    out.cache = from_proto(x.cache());
  for (auto& pb : x.breakers())
    out.breakers.push_back(from_proto(pb));
  out.health_score = x.health_score();
  for (auto& pa : x.alerts())
    out.alerts.push_back(alert{unshifted(pa.severity(), 3, severity::critical),
                               pa.rule(), pa.subject(), pa.message(),
                               pa.age_ms()});
  for (auto& pr : x.restarts())
    out.restarts.push_back(
      restart_count{pr.supervisor(), pr.child(), pr.restarts()});
  out.draining = x.draining();
  return out;
}

v1::BreakerRequest::Action to_proto(breaker_command in) {
  switch (in) {
    case breaker_command::force_open:
      return v1::BreakerRequest::FORCE_OPEN;
    case breaker_command::force_close:
      return v1::BreakerRequest::FORCE_CLOSE;
    case breaker_command::reset:
      return v1::BreakerRequest::RESET;
    default:
      return v1::BreakerRequest::SHOW;
  }
}

breaker_command from_proto(v1::BreakerRequest::Action in) {
  switch (in) {
    case v1::BreakerRequest::FORCE_OPEN:
      return breaker_command::force_open;
    case v1::BreakerRequest::FORCE_CLOSE:
      return breaker_command::force_close;
    case v1::BreakerRequest::RESET:
      return breaker_command::reset;
    default:
      return breaker_command::show;
  }
}

} // namespace troupe::wire::api
