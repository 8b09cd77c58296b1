#include "config/skill_config.hpp"

#include "config/command_path.hpp"
#include "config/config_reader.hpp"
#include "messages/errors.hpp"
#include "messages/job.hpp"

#include <sys/stat.h>

#include <chrono>

namespace troupe::config {

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

using std::chrono::minutes;

constexpr caf::timespan ms(int64_t n) {
  return std::chrono::duration_cast<caf::timespan>(milliseconds{n});
}

// Keys only a process skill may have.
constexpr const char* process_keys[] = {
  "command",
  "args",
  "env",
  "workdir",
  "recycle-after",
  "start-timeout",
  "ping-interval",
  "ping-timeout",
  "kill-grace",
  "max-frame-bytes",
  "stderr-lines-per-second",
};

void read_pool_keys(config_reader& sec, skill_config& out) {
  sec.read("workers", out.workers, 1u, 1024u);
  sec.read("min-workers", out.min_workers, 0u, 1024u);
  sec.read("max-workers", out.max_workers, 1u, 1024u);
  sec.read_duration("idle-timeout", out.idle_timeout, ms(1), max_job_timeout);
  if (out.workers && (out.min_workers || out.max_workers))
    sec.fail("workers", "set either workers (a pool of fixed size) or "
                        "min-workers and max-workers (an elastic pool), not "
                        "both");
  if (out.min_workers && out.max_workers && *out.min_workers > *out.max_workers)
    sec.fail("min-workers", "must not exceed max-workers ("
                              + std::to_string(*out.max_workers) + "), got "
                              + std::to_string(*out.min_workers));
  sec.read("queue-capacity", out.queue_capacity, uint64_t{1},
           uint64_t{100'000'000});
  sec.read_duration("timeout", out.timeout, ms(1), max_job_timeout);
  sec.read("idempotent", out.idempotent);
  sec.read("max-attempts", out.max_attempts, 1u, 100u);
  sec.read_duration("priority-aging", out.priority_aging, ms(1),
                    max_job_timeout);
}

void read_cache_keys(config_reader& sec, skill_config& out) {
  sec.read("cache", out.cache);
  sec.read_duration("cache-ttl", out.cache_ttl, ms(1), max_job_timeout);
  sec.read_bytes("cache-max-entry-bytes", out.cache_max_entry_bytes, 0,
                 uint64_t{1} << 32);
  sec.read("cache-failures", out.cache_failures);
}

bool is_directory(const std::string& path) {
  struct stat sb;
  return ::stat(path.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

void read_process_keys(config_reader& sec, skill_config& out,
                       const std::string& base_dir) {
  std::string workdir;
  if (sec.read("workdir", workdir)) {
    auto dir = absolute_path(workdir, base_dir);
    if (!is_directory(dir))
      sec.fail("workdir", "expected an existing directory, got \"" + workdir
                            + "\" (" + dir + ")");
    else
      out.workdir = dir;
  }
  std::string command;
  if (!sec.has("command")) {
    sec.fail("command", "missing: a process skill needs the program to run, "
                        "e.g. command = \"/usr/bin/python3\"");
  } else if (sec.read("command", command)) {
    // A relative path is relative to the file; checking it here means a
    // typo stops the node at once instead of failing every start.
    auto path = resolve_command(command, base_dir);
    if (!path)
      sec.fail("command", message_of(path.error()));
    else
      out.command = command.find('/') == std::string::npos
                      ? *path
                      : absolute_path(*path, base_dir);
  }
  sec.read("args", out.args);
  if (sec.read("env", out.env))
    for (auto& [k, v] : *out.env)
      if (k.empty() || k.find('=') != std::string::npos)
        sec.fail("env",
                 "expected variable names without '=', got \"" + k + "\"");
  sec.read("recycle-after", out.recycle_after, uint64_t{0},
           uint64_t{1'000'000'000'000});
  sec.read_duration("start-timeout", out.start_timeout, ms(1),
                    std::chrono::duration_cast<caf::timespan>(hours(1)));
  sec.read_duration("ping-interval", out.ping_interval, ms(10),
                    std::chrono::duration_cast<caf::timespan>(hours(24)));
  sec.read_duration("ping-timeout", out.ping_timeout, ms(1),
                    std::chrono::duration_cast<caf::timespan>(hours(1)));
  sec.read_duration("kill-grace", out.kill_grace, caf::timespan{0},
                    std::chrono::duration_cast<caf::timespan>(minutes(10)));
  sec.read_bytes("max-frame-bytes", out.max_frame_bytes, uint64_t{1024},
                 uint64_t{1} << 30);
  sec.read("stderr-lines-per-second", out.stderr_lines_per_second, 1u,
           1'000'000u);
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

void read_skill_section(config_reader& sec, skill_config& out,
                        const std::string& base_dir) {
  if (sec.read("kind", out.kind) && *out.kind != "native"
      && *out.kind != "process")
    sec.fail("kind",
             "expected \"native\" or \"process\", got \"" + *out.kind + "\"");
  sec.read("version", out.version);
  sec.read("description", out.description);
  read_pool_keys(sec, out);
  read_cache_keys(sec, out);
  read_retry_keys(sec, out);
  read_breaker_keys(sec, out);
  if (out.is_process()) {
    read_process_keys(sec, out, base_dir);
    return;
  }
  for (auto* key : process_keys)
    if (sec.has(key)) {
      sec.fail(key, "only process skills have this key (kind = \"process\")");
      sec.ignore(key);
    }
}

} // namespace troupe::config
