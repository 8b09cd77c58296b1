#include "config/node_config.hpp"

#include "actors/log/logging.hpp"
#include "config/config_reader.hpp"
#include "messages/errors.hpp"
#include "messages/job.hpp"

#include <string>

namespace troupe::config {

namespace {

caf::error invalid(const std::string& option, const std::string& what) {
  return caf::make_error(error_code::invalid_config,
                         "--" + option + ": " + what);
}

std::string out_of_range(uint64_t value, uint64_t min, uint64_t max) {
  return "expected " + std::to_string(min) + ".." + std::to_string(max)
         + ", got " + std::to_string(value);
}

// "scheme://host[:port]" as browsers send it in Origin: http or https, a
// host of letters, digits, '.', '-' or a bracketed IPv6 address, no path.
bool is_web_origin(const std::string& o) {
  std::string rest;
  if (o.rfind("http://", 0) == 0)
    rest = o.substr(7);
  else if (o.rfind("https://", 0) == 0)
    rest = o.substr(8);
  else
    return false;
  if (rest.empty())
    return false;
  auto colon = rest.rfind(':');
  if (colon != std::string::npos
      && rest.find(']', colon) == std::string::npos) {
    auto port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5
        || port.find_first_not_of("0123456789") != std::string::npos
        || std::stoul(port) > 65535)
      return false;
    rest.resize(colon);
  }
  if (rest.empty())
    return false;
  if (rest.front() == '[')
    return rest.back() == ']'
           && rest.find_first_not_of("[]0123456789abcdefABCDEF:.")
                == std::string::npos;
  return rest.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
         == std::string::npos;
}

} // namespace

uint16_t cluster_port_of(const node_config& cfg) {
  if (cfg.cluster_port != 0)
    return cfg.cluster_port;
  if (cfg.port == 0 || cfg.port > 65535 - 1000)
    return 0;
  return static_cast<uint16_t>(cfg.port + 1000);
}

void read_node_section(config_reader& sec, node_config& cfg) {
  sec.read("host", cfg.host);
  sec.read("port", cfg.port);
  sec.read("cluster-port", cfg.cluster_port);
  sec.read("advertise", cfg.advertise);
  sec.read("name", cfg.name);
  if (sec.read("log-level", cfg.log_level) && !log::parse_level(cfg.log_level))
    sec.fail("log-level", "expected trace, debug, info, warn, error, "
                          "critical or off, got \""
                            + cfg.log_level + "\"");
  if (sec.read("log-format", cfg.log_format)
      && !log::parse_format(cfg.log_format))
    sec.fail("log-format",
             "expected \"text\" or \"json\", got \"" + cfg.log_format + "\"");
  sec.read("metrics-port", cfg.metrics_port);
  sec.read("http-port", cfg.http_port, int32_t{-1}, int32_t{65535});
  sec.read("http-origins", cfg.http_origins);
  if (sec.read("metrics-host", cfg.metrics_host) && cfg.metrics_host.empty())
    sec.fail("metrics-host", "expected an address to listen on, got \"\"");
  sec.read("test-skills", cfg.test_skills);
  sec.read_bytes("max-job-bytes", cfg.max_job_bytes, 1,
                 node_limits::max_job_bytes);
  sec.read("workers", cfg.workers, 1u, node_limits::workers);
  sec.read("queue-capacity", cfg.queue_capacity, uint64_t{1},
           node_limits::queue_capacity);
  sec.read_duration("default-timeout", cfg.default_timeout,
                    node_limits::min_default_timeout, max_job_timeout);
  sec.read("max-in-flight", cfg.max_in_flight, uint64_t{1},
           node_limits::max_in_flight);
  sec.read("threads", cfg.threads, 1u, node_limits::threads);
  sec.read_duration("drain-timeout", cfg.drain_timeout, caf::timespan{0},
                    node_limits::max_drain_timeout);
  if (sec.read("scheduler", cfg.scheduler) && cfg.scheduler != "sharing"
      && cfg.scheduler != "stealing")
    sec.fail("scheduler", "expected \"sharing\" or \"stealing\", got \""
                            + cfg.scheduler + "\"");
}

caf::expected<node_config> validate(node_config cfg) {
  using namespace node_limits;
  if (cfg.host.empty())
    return invalid("host", "must not be empty");
  if (!log::parse_level(cfg.log_level))
    return invalid("log-level", "expected trace, debug, info, warn, error, "
                                "critical or off, got '"
                                  + cfg.log_level + "'");
  if (!log::parse_format(cfg.log_format))
    return invalid("log-format",
                   "expected text or json, got '" + cfg.log_format + "'");
  if (cfg.metrics_port != 0 && cfg.metrics_port == cfg.port)
    return invalid("metrics-port", "must differ from --port");
  if (cfg.port > 65535 - 1000 && cfg.cluster_port == 0)
    return invalid("cluster-port",
                   "must be given when --port is above 64535 (the default "
                   "is --port + 1000)");
  if (cfg.cluster_port != 0 && cfg.cluster_port == cfg.port)
    return invalid("cluster-port", "must differ from --port");
  if (cfg.metrics_port != 0 && cfg.metrics_port == cluster_port_of(cfg))
    return invalid("metrics-port", "must differ from the cluster port");
  if (cfg.http_port < -1 || cfg.http_port > 65535)
    return invalid("http-port", "expected 0..65535 (0 = any free port)");
  if (cfg.http_port > 0
      && (cfg.http_port == cfg.port || cfg.http_port == cluster_port_of(cfg)
          || cfg.http_port == cfg.metrics_port))
    return invalid("http-port",
                   "must differ from the client, cluster and metrics ports");
  for (auto& o : cfg.http_origins)
    if (!is_web_origin(o))
      return invalid("http-origins",
                     "expected origins such as \"https://ops.example.com\" "
                     "or \"http://127.0.0.1:8080\" (a scheme, a host, an "
                     "optional port, no path), got \""
                       + o + "\"");
  if (cfg.http_port >= 0 && !is_loopback(cfg.host) && !cfg.door.insecure
      && cfg.door.tls_cert.empty())
    return invalid("http-port",
                   "without --tls-cert the HTTP port speaks plaintext HTTP: "
                   "on "
                     + cfg.host
                     + " anyone on the network could read tokens and "
                       "results. Give --tls-cert and --tls-key (HTTPS, with "
                       "--tokens), serve HTTP on 127.0.0.1, or start with "
                       "--insecure on a network you trust");
  if (auto err = check_door(cfg.door, cfg.host))
    return err;
  if (auto err = check_cluster(cfg.cluster, cfg.host, cfg.door.insecure))
    return err;
  if (!cfg.advertise.empty()) {
    auto where = parse_seeds(cfg.advertise);
    if (!where || where->size() != 1)
      return invalid("advertise",
                     "expected one HOST:PORT, got '" + cfg.advertise + "'");
  }
  if (cfg.max_job_bytes == 0 || cfg.max_job_bytes > max_job_bytes)
    return invalid("max-job-bytes",
                   size_range_problem(cfg.max_job_bytes, 1, max_job_bytes));
  if (cfg.workers == 0 || cfg.workers > workers)
    return invalid("workers", out_of_range(cfg.workers, 1, workers));
  if (cfg.queue_capacity == 0 || cfg.queue_capacity > queue_capacity)
    return invalid("queue-capacity",
                   out_of_range(cfg.queue_capacity, 1, queue_capacity));
  if (cfg.default_timeout < min_default_timeout
      || cfg.default_timeout > max_job_timeout)
    return invalid("default-timeout", duration_range_problem(
                                        cfg.default_timeout,
                                        min_default_timeout, max_job_timeout));
  if (cfg.max_in_flight == 0 || cfg.max_in_flight > max_in_flight)
    return invalid("max-in-flight",
                   out_of_range(cfg.max_in_flight, 1, max_in_flight));
  if (cfg.threads == 0 || cfg.threads > threads)
    return invalid("threads", out_of_range(cfg.threads, 1, threads));
  if (cfg.scheduler != "sharing" && cfg.scheduler != "stealing")
    return invalid("scheduler",
                   "expected sharing or stealing, got '" + cfg.scheduler + "'");
  if (cfg.drain_timeout < caf::timespan{0}
      || cfg.drain_timeout > max_drain_timeout)
    return invalid("drain-timeout",
                   duration_range_problem(cfg.drain_timeout, caf::timespan{0},
                                          max_drain_timeout));
  return cfg;
}

} // namespace troupe::config
