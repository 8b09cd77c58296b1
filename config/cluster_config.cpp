#include "config/cluster_config.hpp"

#include "config/config_reader.hpp"
#include "config/door_config.hpp"
#include "messages/errors.hpp"

#include <cctype>
#include <charconv>

namespace troupe::config {

namespace {

bool valid_endpoint(const std::string& str) {
  auto colon = str.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return false;
  unsigned port = 0;
  auto first = str.data() + colon + 1;
  auto last = str.data() + str.size();
  auto [end, ec] = std::from_chars(first, last, port);
  return ec == std::errc{} && end == last && port >= 1 && port <= 65535;
}

} // namespace

void read_cluster_section(config_reader& sec, cluster_config& cfg,
                          const std::string& base_dir) {
  read_path(sec, "tls-cert", cfg.tls_cert, base_dir);
  read_path(sec, "tls-key", cfg.tls_key, base_dir);
  read_path(sec, "tls-ca", cfg.tls_ca, base_dir);
  std::vector<std::string> denied;
  if (sec.read("deny-serials", denied)) {
    for (auto& s : denied) {
      if (normalized_serial(s).empty()) {
        sec.fail("deny-serials", "expected hex serials, got \"" + s + "\"");
        denied.clear();
        break;
      }
    }
    cfg.deny_serials = std::move(denied);
  }
  std::vector<std::string> seeds;
  if (sec.read("seeds", seeds)) {
    for (auto& s : seeds)
      if (!valid_endpoint(s)) {
        sec.fail("seeds", "expected HOST:PORT entries, got \"" + s + "\"");
        seeds.clear();
        break;
      }
    cfg.seeds = std::move(seeds);
  }
  using namespace std::chrono_literals;
  sec.read_duration("heartbeat-interval", cfg.heartbeat_interval,
                    caf::timespan{10ms}, caf::timespan{10s});
  sec.read_duration("down-after", cfg.down_after, caf::timespan{100ms},
                    caf::timespan{10min});
  sec.read_duration("forget-after", cfg.forget_after, caf::timespan{1s},
                    caf::timespan{24h});
  sec.read_duration("join-timeout", cfg.join_timeout, caf::timespan{100ms},
                    caf::timespan{10min});
  sec.read("link-max-count", cfg.link_max_count, uint64_t{1},
           uint64_t{100'000});
  sec.read_bytes("link-max-bytes", cfg.link_max_bytes, 1024,
                 uint64_t{64} << 20);
  sec.read_duration("link-max-linger", cfg.link_max_linger, caf::timespan{0},
                    caf::timespan{1s});
  sec.read_duration("link-reply-poll", cfg.link_reply_poll, caf::timespan{0},
                    caf::timespan{10ms});
  if (cfg.down_after < 2 * cfg.heartbeat_interval)
    sec.fail("down-after", "must be at least twice heartbeat-interval");
}

std::string normalized_serial(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ':')
      continue; // openssl's colon-separated form
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return {};
    if (out.empty() && c == '0')
      continue;
    out.push_back(
      static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (out.empty() && !text.empty()
      && text.find_first_not_of("0:") == std::string::npos)
    return "0";
  return out;
}

caf::error check_cluster(const cluster_config& cfg, const std::string& host,
                         bool insecure) {
  auto invalid = [](std::string what) {
    return caf::make_error(error_code::invalid_config, std::move(what));
  };
  auto given = int{!cfg.tls_cert.empty()} + int{!cfg.tls_key.empty()}
               + int{!cfg.tls_ca.empty()};
  if (given != 0 && given != 3)
    return invalid("[cluster]: tls-cert, tls-key and tls-ca go together "
                   "(--cluster-cert, --cluster-key, --cluster-ca)");
  for (auto& s : cfg.deny_serials)
    if (normalized_serial(s).empty())
      return invalid("[cluster] deny-serials: '" + s + "' is not a hex serial");
  if (given == 3 || is_loopback(host) || insecure)
    return {};
  return invalid(
    "refusing to take members on " + host
    + " without TLS: anyone who reaches the cluster port could join the "
      "cluster and run or answer its jobs. Give --cluster-cert, "
      "--cluster-key and --cluster-ca (troupe certs, see docs/security.md), "
      "listen on 127.0.0.1, or start with --insecure on a network you "
      "trust");
}

caf::expected<std::vector<std::string>> parse_seeds(const std::string& str) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= str.size()) {
    auto comma = str.find(',', pos);
    auto part = str.substr(pos, comma == std::string::npos ? std::string::npos
                                                           : comma - pos);
    if (!valid_endpoint(part))
      return caf::make_error(error_code::invalid_config,
                             "--join expects HOST:PORT[,HOST:PORT...], got '"
                               + part + "'");
    out.push_back(part);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

} // namespace troupe::config
