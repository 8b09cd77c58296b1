#include "config/skill_config.hpp"

#include "config/command_path.hpp"
#include "config/config_reader.hpp"
#include "messages/errors.hpp"
#include "messages/job.hpp"

#include <sys/stat.h>

#include <chrono>

namespace troupe {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr caf::timespan ms(int64_t n) {
  return std::chrono::duration_cast<caf::timespan>(milliseconds{n});
}

// Keys only a process skill may have.
constexpr const char* process_keys[] = {
  "command",         "args",          "env",
  "workdir",         "recycle-after", "start-timeout",
  "ping-interval",   "ping-timeout",  "kill-grace",
  "max-frame-bytes",
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
}

} // namespace

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

} // namespace troupe
