#include "config/cluster_config.hpp"

#include "config/config_reader.hpp"
#include "messages/errors.hpp"

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

void read_cluster_section(config_reader& sec, cluster_config& cfg) {
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
  if (cfg.down_after < 2 * cfg.heartbeat_interval)
    sec.fail("down-after", "must be at least twice heartbeat-interval");
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
