#pragma once

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// The log facade: one named spdlog logger per subsystem, all writing to
// stderr (stdout belongs to command output). Message paths log at debug or
// trace only; info is for lifecycle events.
//
// A line about one job carries the job's id in a field of its own, so that
// every line of a job can be found by it:
//
//   log::about_job(log::actors(), spdlog::level::debug, j.id,
//                  "pool: queued behind {} jobs", n);
//
// writes `[job 42] pool: queued behind 7 jobs` in the text format and
// `{..., "job":42, "msg":"pool: queued behind 7 jobs"}` in the JSON format.
// Code that logs several lines about one job, or calls helpers that log, can
// set the job for a block instead (`job_scope`).
namespace troupe::log {

/// The logger of a subsystem: "actors", "node", "cluster", "config", "cli".
/// A logger, once made, lives as long as the process.
spdlog::logger& get(std::string_view subsystem);

// The accessors below look their logger up once: the job path asks for it
// per job (to check the level), which must not take a lock.
inline spdlog::logger& actors() {
  static spdlog::logger& lg = get("actors");
  return lg;
}

inline spdlog::logger& node() {
  static spdlog::logger& lg = get("node");
  return lg;
}

inline spdlog::logger& cluster() {
  static spdlog::logger& lg = get("cluster");
  return lg;
}

inline spdlog::logger& cli() {
  static spdlog::logger& lg = get("cli");
  return lg;
}

/// Parses trace, debug, info, warn, error, critical or off.
std::optional<spdlog::level::level_enum> parse_level(std::string_view str);

/// Sets the level of every troupe logger, present and future.
void set_level(spdlog::level::level_enum level);

/// How log lines are written (`--log-format`).
enum class format {
  /// `[13:20:15.123] [node] [info] [job 42] message`, local time, for
  /// people.
  text,
  /// One JSON object per line, for machines:
  /// `{"ts":"2026-12-06T13:20:15.123Z","level":"info","logger":"node",
  /// "job":42,"msg":"message"}` (UTC; `job` only on lines about a job).
  /// Strings are escaped so that every line parses: quotes, backslashes and
  /// control characters (a message's line breaks included) as JSON escapes,
  /// and each byte that is not part of valid UTF-8 as `\u00XX` (the byte's
  /// value).
  json,
};

/// Parses text or json.
std::optional<format> parse_format(std::string_view str);

/// Sets the format of every troupe log line from now on.
void set_format(format fmt);

/// The formatter that writes lines in `fmt` (what `set_format` installs),
/// for other spdlog sinks.
std::unique_ptr<spdlog::formatter> make_formatter(format fmt);

/// While it lives, marks every line logged on this thread as a line about
/// job `id` (scopes nest; the innermost wins). troupe's loggers format on
/// the thread that logs, which is what makes this work. In an actor, keep
/// a scope within one message handler: the actor's next message may run
/// on another thread, and this thread may run another actor next.
class job_scope {
 public:
  explicit job_scope(uint64_t id) noexcept;
  ~job_scope();

  job_scope(const job_scope&) = delete;
  job_scope& operator=(const job_scope&) = delete;

 private:
  std::optional<uint64_t> outer_;
};

/// The job the lines logged on this thread are about now, if any.
std::optional<uint64_t> current_job() noexcept;

/// Logs one line about job `id` at `level` on `logger`: the message is
/// formatted as by `logger.log(level, fmt, args...)`, and the job id goes
/// into its own field (see `format`).
template <class... Ts>
void about_job(spdlog::logger& logger, spdlog::level::level_enum level,
               uint64_t id, spdlog::format_string_t<Ts...> fmt, Ts&&... args) {
  if (!logger.should_log(level))
    return;
  job_scope scope{id};
  logger.log(level, fmt, std::forward<Ts>(args)...);
}

} // namespace troupe::log
