#include "config/node_config.hpp"

#include "config/config_reader.hpp"
#include "config/logging.hpp"
#include "messages/errors.hpp"
#include "messages/job.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace troupe {

namespace {

caf::error invalid(const std::string& option, const std::string& what) {
  return caf::make_error(error_code::invalid_config,
                         "--" + option + ": " + what);
}

// Splits "1.5s" into 1.5 and "s"; false when the number part is malformed.
bool split_number(const std::string& str, double& num, std::string& unit) {
  size_t i = 0;
  while (i < str.size()
         && (std::isdigit(static_cast<unsigned char>(str[i])) || str[i] == '.'))
    ++i;
  if (i == 0)
    return false;
  auto number = str.substr(0, i);
  char* end = nullptr;
  num = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(num) || num < 0)
    return false;
  unit = str.substr(i);
  for (auto& c : unit)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return true;
}

} // namespace

caf::expected<caf::timespan> parse_duration(const std::string& str) {
  double num = 0;
  std::string unit;
  if (!split_number(str, num, unit))
    return caf::make_error(error_code::invalid_config,
                           "'" + str + "' is not a duration (e.g. 250ms, 2s)");
  double ns_per_unit;
  if (unit.empty() || unit == "ms")
    ns_per_unit = 1e6;
  else if (unit == "us")
    ns_per_unit = 1e3;
  else if (unit == "ns")
    ns_per_unit = 1;
  else if (unit == "s")
    ns_per_unit = 1e9;
  else if (unit == "m" || unit == "min")
    ns_per_unit = 60e9;
  else if (unit == "h")
    ns_per_unit = 3600e9;
  else
    return caf::make_error(error_code::invalid_config,
                           "'" + str + "' has an unknown duration unit '" + unit
                             + "' (use ms, s, m or h)");
  auto ns = num * ns_per_unit;
  if (ns > 1e18)
    return caf::make_error(error_code::invalid_config,
                           "'" + str + "' is too long a duration");
  return caf::timespan{static_cast<int64_t>(ns)};
}

std::string duration_text(caf::timespan x) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(x).count();
  if (us < 1000)
    return std::to_string(us) + " us";
  auto ms = us / 1000;
  if (ms < 1000)
    return std::to_string(ms) + " ms";
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  auto tenths = (ms + 50) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

caf::expected<uint64_t> parse_bytes(const std::string& str) {
  double num = 0;
  std::string unit;
  if (!split_number(str, num, unit))
    return caf::make_error(error_code::invalid_config,
                           "'" + str + "' is not a size (e.g. 16MiB)");
  double factor;
  if (unit.empty() || unit == "b")
    factor = 1;
  else if (unit == "kib" || unit == "k")
    factor = 1024.0;
  else if (unit == "mib" || unit == "m")
    factor = 1024.0 * 1024;
  else if (unit == "gib" || unit == "g")
    factor = 1024.0 * 1024 * 1024;
  else if (unit == "kb")
    factor = 1e3;
  else if (unit == "mb")
    factor = 1e6;
  else if (unit == "gb")
    factor = 1e9;
  else
    return caf::make_error(error_code::invalid_config,
                           "'" + str + "' has an unknown size unit '" + unit
                             + "' (use KiB, MiB or GiB)");
  auto bytes = num * factor;
  if (bytes > 1e15)
    return caf::make_error(error_code::invalid_config,
                           "'" + str + "' is too large");
  return static_cast<uint64_t>(bytes);
}

void read_node_section(config_reader& sec, node_config& cfg) {
  sec.read("host", cfg.host);
  sec.read("port", cfg.port);
  sec.read("name", cfg.name);
  if (sec.read("log-level", cfg.log_level) && !log::parse_level(cfg.log_level))
    sec.fail("log-level", "expected trace, debug, info, warn, error, "
                          "critical or off, got \""
                            + cfg.log_level + "\"");
  sec.read("metrics-port", cfg.metrics_port);
  sec.read("test-skills", cfg.test_skills);
  sec.read_bytes("max-job-bytes", cfg.max_job_bytes, 1, 1024ull * 1024 * 1024);
  sec.read("workers", cfg.workers, 1u, 1024u);
  sec.read("queue-capacity", cfg.queue_capacity, uint64_t{1},
           uint64_t{100'000'000});
  sec.read_duration("default-timeout", cfg.default_timeout,
                    caf::timespan{1'000'000}, max_job_timeout);
  sec.read("max-in-flight", cfg.max_in_flight, uint64_t{1},
           uint64_t{100'000'000});
  sec.read("threads", cfg.threads, 1u, 256u);
  sec.read_duration("drain-timeout", cfg.drain_timeout, caf::timespan{0},
                    std::chrono::hours{24});
  if (sec.read("scheduler", cfg.scheduler) && cfg.scheduler != "sharing"
      && cfg.scheduler != "stealing")
    sec.fail("scheduler", "expected \"sharing\" or \"stealing\", got \""
                            + cfg.scheduler + "\"");
}

caf::expected<node_config> validate(node_config cfg) {
  if (cfg.host.empty())
    return invalid("host", "must not be empty");
  if (!log::parse_level(cfg.log_level))
    return invalid("log-level", "expected trace, debug, info, warn, error, "
                                "critical or off, got '"
                                  + cfg.log_level + "'");
  if (cfg.metrics_port != 0 && cfg.metrics_port == cfg.port)
    return invalid("metrics-port", "must differ from --port");
  if (cfg.max_job_bytes == 0)
    return invalid("max-job-bytes", "must be at least 1 byte");
  if (cfg.max_job_bytes > 1024ull * 1024 * 1024)
    return invalid("max-job-bytes", "must be at most 1GiB");
  if (cfg.workers == 0 || cfg.workers > 1024)
    return invalid("workers",
                   "expected 1..1024, got " + std::to_string(cfg.workers));
  if (cfg.queue_capacity == 0)
    return invalid("queue-capacity", "must be at least 1");
  if (cfg.default_timeout <= caf::timespan{0})
    return invalid("default-timeout", "must be positive");
  if (cfg.max_in_flight == 0 || cfg.max_in_flight > 100'000'000)
    return invalid("max-in-flight", "expected 1..100000000, got "
                                      + std::to_string(cfg.max_in_flight));
  if (cfg.threads == 0 || cfg.threads > 256)
    return invalid("threads",
                   "expected 1..256, got " + std::to_string(cfg.threads));
  if (cfg.scheduler != "sharing" && cfg.scheduler != "stealing")
    return invalid("scheduler",
                   "expected sharing or stealing, got '" + cfg.scheduler + "'");
  if (cfg.drain_timeout < caf::timespan{0})
    return invalid("drain-timeout", "must not be negative");
  return cfg;
}

} // namespace troupe
