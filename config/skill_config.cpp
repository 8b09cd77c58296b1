#include "config/skill_config.hpp"

#include "config/config_reader.hpp"
#include "messages/job.hpp"

#include <chrono>

namespace troupe {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

// A list of status names, each one of `allowed`.
void read_statuses(config_reader& sec, std::string_view key,
                   job_status_set allowed, std::optional<job_status_set>& out) {
  std::vector<std::string> names;
  if (!sec.read(key, names))
    return;
  job_status_set set;
  for (auto& name : names) {
    auto st = parse_job_status(name);
    if (!st || !allowed.contains(*st)) {
      sec.fail(key, "expected a list of statuses out of " + to_string(allowed)
                      + ", got \"" + name + "\"");
      return;
    }
    set.insert(*st);
  }
  out = set;
}

void read_breaker_keys(config_reader& sec, skill_config& out) {
  sec.read("breaker", out.breaker);
  if (sec.read("breaker-window", out.breaker_window)
      && *out.breaker_window != "count" && *out.breaker_window != "time") {
    sec.fail("breaker-window", "expected \"count\" or \"time\", got \""
                                 + *out.breaker_window + "\"");
    out.breaker_window.reset();
  }
  auto time_window = out.breaker_window == "time";
  if (sec.read("breaker-window-calls", out.breaker_window_calls, 1u, 100'000u)
      && time_window)
    sec.fail("breaker-window-calls",
             "applies to a count window only; this one is "
             "breaker-window = \"time\" (use breaker-window-duration)");
  if (sec.read_duration("breaker-window-duration", out.breaker_window_duration,
                        caf::timespan{milliseconds{100}}, hours{24})
      && !time_window)
    sec.fail("breaker-window-duration",
             "applies to a time window only; set breaker-window = \"time\"");
  sec.read("breaker-minimum-calls", out.breaker_minimum_calls, 1u, 100'000u);
  sec.read("breaker-failure-rate", out.breaker_failure_rate, 1.0, 100.0);
  sec.read("breaker-slow-call-rate", out.breaker_slow_call_rate, 1.0, 100.0);
  sec.read_duration("breaker-slow-call-duration",
                    out.breaker_slow_call_duration,
                    caf::timespan{milliseconds{1}}, max_job_timeout);
  sec.read_duration("breaker-open-wait", out.breaker_open_wait,
                    caf::timespan{milliseconds{1}}, hours{24});
  sec.read("breaker-open-wait-multiplier", out.breaker_open_wait_multiplier,
           1.0, 100.0);
  sec.read_duration("breaker-open-wait-max", out.breaker_open_wait_max,
                    caf::timespan{milliseconds{1}}, hours{24});
  sec.read("breaker-half-open-calls", out.breaker_half_open_calls, 1u, 10'000u);
  job_status_set countable;
  for (size_t i = 0; i < job_status_count; ++i)
    if (!never_breaker_failures.contains(static_cast<job_status>(i)))
      countable.insert(static_cast<job_status>(i));
  read_statuses(sec, "breaker-failure-statuses", countable,
                out.breaker_failure_statuses);
  if (sec.read("fallback", out.fallback) && out.fallback->empty())
    sec.fail("fallback", "expected the name of a skill");
}

void read_retry_keys(config_reader& sec, skill_config& out) {
  read_statuses(sec, "retry-on", retryable_by_config, out.retry_on);
  sec.read_duration("retry-backoff", out.retry_backoff, caf::timespan{0},
                    hours{1});
  sec.read_duration("retry-backoff-max", out.retry_backoff_max,
                    caf::timespan{0}, hours{24});
  sec.read_duration("attempt-timeout", out.attempt_timeout,
                    caf::timespan{milliseconds{1}}, max_job_timeout);
}

} // namespace

bool skill_config::sets_breaker_keys() const {
  return breaker_window || breaker_window_calls || breaker_window_duration
         || breaker_minimum_calls || breaker_failure_rate
         || breaker_slow_call_rate || breaker_slow_call_duration
         || breaker_open_wait || breaker_open_wait_multiplier
         || breaker_open_wait_max || breaker_half_open_calls
         || breaker_failure_statuses || fallback;
}

void read_skill_section(config_reader& sec, skill_config& out) {
  sec.read("version", out.version);
  sec.read("description", out.description);
  sec.read("workers", out.workers, 1u, 1024u);
  sec.read("queue-capacity", out.queue_capacity, uint64_t{1},
           uint64_t{100'000'000});
  sec.read_duration("timeout", out.timeout, caf::timespan{1'000'000},
                    max_job_timeout);
  sec.read("idempotent", out.idempotent);
  sec.read("max-attempts", out.max_attempts, 1u, 100u);
  sec.read("cache", out.cache);
  sec.read_duration("cache-ttl", out.cache_ttl, caf::timespan{1'000'000},
                    max_job_timeout);
  sec.read_bytes("cache-max-entry-bytes", out.cache_max_entry_bytes, 0,
                 uint64_t{1} << 32);
  sec.read("cache-failures", out.cache_failures);
  read_retry_keys(sec, out);
  read_breaker_keys(sec, out);
}

} // namespace troupe
