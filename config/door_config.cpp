#include "config/door_config.hpp"

#include "config/config_reader.hpp"
#include "messages/errors.hpp"

#include <filesystem>

namespace troupe::config {

void read_path(config_reader& sec, std::string_view key, std::string& out,
               const std::string& base_dir) {
  if (sec.read(key, out) && !out.empty()
      && !std::filesystem::path{out}.is_absolute())
    out = (std::filesystem::path{base_dir} / out).string();
}

void read_tls_section(config_reader& sec, door_config& cfg,
                      const std::string& base_dir) {
  read_path(sec, "cert", cfg.tls_cert, base_dir);
  read_path(sec, "key", cfg.tls_key, base_dir);
  read_path(sec, "ca", cfg.tls_ca, base_dir);
}

void read_door_section(config_reader& sec, door_config& cfg,
                       const std::string& base_dir) {
  using namespace std::chrono_literals;
  read_path(sec, "tokens", cfg.tokens, base_dir);
  sec.read("insecure", cfg.insecure);
  sec.read("max-connections", cfg.max_connections, 1u, 100'000u);
  sec.read("max-streams", cfg.max_streams, 1u, 100'000u);
  sec.read_duration("handshake-timeout", cfg.handshake_timeout,
                    caf::timespan{100ms}, caf::timespan{10min});
  sec.read_duration("idle-timeout", cfg.idle_timeout, caf::timespan{1s},
                    caf::timespan{24h});
  sec.read_bytes("memory", cfg.memory, uint64_t{16} << 20, uint64_t{1} << 40);
  sec.read_duration("result-retention", cfg.result_retention, caf::timespan{1s},
                    caf::timespan{24h * 7});
  sec.read_bytes("result-bytes", cfg.result_bytes, uint64_t{1} << 20,
                 uint64_t{1} << 40);
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

caf::error check_door(const door_config& cfg, const std::string& host) {
  auto invalid = [](std::string what) {
    return caf::make_error(error_code::invalid_config, std::move(what));
  };
  if (cfg.tls_cert.empty() != cfg.tls_key.empty())
    return invalid("[tls]: cert and key go together (--tls-cert, --tls-key)");
  if (!cfg.tls_ca.empty() && cfg.tls_cert.empty())
    return invalid("[tls]: ca (client certificates) needs cert and key");
  if (is_loopback(host) || cfg.insecure)
    return {};
  if (cfg.tls_cert.empty() || cfg.tokens.empty())
    return invalid(
      "refusing to listen on " + host
      + " without TLS and tokens: anyone who reaches the address could run "
        "jobs and read their results. Give --tls-cert/--tls-key and "
        "--tokens (see docs/api.md), listen on 127.0.0.1, or start with "
        "--insecure on a network you trust");
  return {};
}

} // namespace troupe::config
