#include "actors/log/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <map>
#include <memory>
#include <mutex>

namespace troupe::log {

namespace {

struct registry {
  std::mutex mtx;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  spdlog::level::level_enum level = spdlog::level::info;
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
  lg->set_pattern("[%H:%M:%S.%e] [%n] [%^%l%$] %v");
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

} // namespace troupe::log
