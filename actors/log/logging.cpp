#include "actors/log/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <chrono>
#include <ctime>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>

namespace troupe::log {

namespace {

thread_local std::optional<uint64_t> job_of_thread;

void append(spdlog::memory_buf_t& dest, std::string_view str) {
  dest.append(str.data(), str.data() + str.size());
}

// The length of the well-formed UTF-8 sequence at str[pos] (2 to 4 bytes),
// or 0 when the byte there starts none (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
size_t utf8_sequence(std::string_view str, size_t pos) {
  auto lead = static_cast<unsigned char>(str[pos]);
  size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (lead < 0xC2 || lead > 0xF4 || pos + len > str.size())
    return 0;
  auto second = static_cast<unsigned char>(str[pos + 1]);
  auto lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
  auto hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
  if (second < lo || second > hi)
    return 0;
  for (size_t i = 2; i < len; ++i)
    if ((static_cast<unsigned char>(str[pos + i]) & 0xC0) != 0x80)
      return 0;
  return len;
}

// `str` as a JSON string. Bytes that are not valid UTF-8 cannot appear in
// JSON text; writing each as \u00XX keeps its value for the reader, and is
// unambiguous because valid UTF-8 is copied as it is.
void append_json_string(spdlog::memory_buf_t& dest, std::string_view str) {
  static constexpr char hex[] = "0123456789abcdef";
  dest.push_back('"');
  for (size_t i = 0; i < str.size();) {
    auto c = static_cast<unsigned char>(str[i]);
    size_t len = 1;
    if (c == '"' || c == '\\') {
      dest.push_back('\\');
      dest.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      append(dest, "\\n");
    } else if (c == '\r') {
      append(dest, "\\r");
    } else if (c == '\t') {
      append(dest, "\\t");
    } else if (c >= 0x20 && c < 0x7F) {
      dest.push_back(static_cast<char>(c));
    } else if (auto n = c >= 0x80 ? utf8_sequence(str, i) : 0; n > 0) {
      append(dest, str.substr(i, n));
      len = n;
    } else {
      append(dest, "\\u00");
      dest.push_back(hex[c >> 4]);
      dest.push_back(hex[c & 0x0F]);
    }
    i += len;
  }
  dest.push_back('"');
}

// ISO 8601 in UTC with milliseconds: 2026-12-06T13:20:15.123Z.
void append_utc_time(spdlog::memory_buf_t& dest,
                     spdlog::log_clock::time_point time) {
  using namespace std::chrono;
  auto since_epoch = time.time_since_epoch();
  auto secs = floor<seconds>(since_epoch);
  auto ms = duration_cast<milliseconds>(since_epoch - secs).count();
  auto t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(dest),
                 "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ms);
}

// `%J` in the text pattern: "[job 42] " on lines about a job, nothing on
// the others.
class job_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (job_of_thread)
      fmt::format_to(std::back_inserter(dest), "[job {}] ", *job_of_thread);
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<job_flag>();
  }
};

// A pattern cannot escape what it inserts, so JSON lines are written here.
class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    append(dest, "{\"ts\":\"");
    append_utc_time(dest, msg.time);
    append(dest, "\",\"level\":");
    auto level = spdlog::level::to_string_view(msg.level);
    append_json_string(dest, {level.data(), level.size()});
    append(dest, ",\"logger\":");
    append_json_string(dest, {msg.logger_name.data(), msg.logger_name.size()});
    if (job_of_thread)
      fmt::format_to(std::back_inserter(dest), ",\"job\":{}", *job_of_thread);
    append(dest, ",\"msg\":");
    append_json_string(dest, {msg.payload.data(), msg.payload.size()});
    append(dest, "}\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

struct registry {
  registry() {
    sink->set_formatter(make_formatter(format::text));
  }

  std::mutex mtx;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  spdlog::level::level_enum level = spdlog::level::info;
  // One sink for all loggers, so that its formatter is the format of all.
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> sink
    = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
};

registry& instance() {
  static registry reg;
  return reg;
}

} // namespace

spdlog::logger& get(std::string_view subsystem) {
  auto& reg = instance();
  std::lock_guard<std::mutex> guard{reg.mtx};
  auto i = reg.loggers.find(subsystem);
  if (i != reg.loggers.end())
    return *i->second;
  auto lg = std::make_shared<spdlog::logger>(std::string{subsystem}, reg.sink);
  lg->set_level(reg.level);
  lg->flush_on(spdlog::level::warn);
  auto& ref = *lg;
  reg.loggers.emplace(std::string{subsystem}, std::move(lg));
  return ref;
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view str) {
  static const std::map<std::string_view, spdlog::level::level_enum> levels{
    {"trace", spdlog::level::trace},       {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},         {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn},      {"error", spdlog::level::err},
    {"critical", spdlog::level::critical}, {"off", spdlog::level::off},
  };
  auto i = levels.find(str);
  if (i == levels.end())
    return std::nullopt;
  return i->second;
}

void set_level(spdlog::level::level_enum level) {
  auto& reg = instance();
  std::lock_guard<std::mutex> guard{reg.mtx};
  reg.level = level;
  for (auto& kv : reg.loggers)
    kv.second->set_level(level);
}

std::optional<format> parse_format(std::string_view str) {
  if (str == "text")
    return format::text;
  if (str == "json")
    return format::json;
  return std::nullopt;
}

void set_format(format fmt) {
  instance().sink->set_formatter(make_formatter(fmt));
}

std::unique_ptr<spdlog::formatter> make_formatter(format fmt) {
  if (fmt == format::json)
    return std::make_unique<json_formatter>();
  auto text = std::make_unique<spdlog::pattern_formatter>();
  text->add_flag<job_flag>('J').set_pattern("[%H:%M:%S.%e] [%n] [%^%l%$] %J%v");
  return text;
}

job_scope::job_scope(uint64_t id) noexcept : outer_(job_of_thread) {
  job_of_thread = id;
}

job_scope::~job_scope() {
  job_of_thread = outer_;
}

std::optional<uint64_t> current_job() noexcept {
  return job_of_thread;
}

} // namespace troupe::log
