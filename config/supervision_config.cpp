#include "config/supervision_config.hpp"

#include "config/config_reader.hpp"

namespace troupe::config {

void read_supervision_section(config_reader& sec, supervision_config& cfg) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  sec.read("max-restarts", cfg.max_restarts, 0u, 1'000'000u);
  sec.read_duration("restart-period", cfg.restart_period, milliseconds{1},
                    hours{24});
  sec.read_duration("backoff-initial", cfg.backoff_initial, caf::timespan{0},
                    hours{1});
  sec.read_duration("backoff-max", cfg.backoff_max, caf::timespan{0}, hours{1});
  sec.read("backoff-jitter", cfg.backoff_jitter, 0.0, 1.0);
  sec.read_duration("shutdown-timeout", cfg.shutdown_timeout, milliseconds{1},
                    hours{1});
  if (cfg.backoff_max < cfg.backoff_initial)
    sec.fail("backoff-max", "must not be smaller than backoff-initial");
}

} // namespace troupe::config
