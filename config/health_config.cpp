#include "config/health_config.hpp"

#include "config/config_reader.hpp"

#include <string>

namespace troupe::config {

void read_health_section(config_reader& sec, health_config& cfg) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  sec.read_duration("interval", cfg.interval, milliseconds{10}, hours{1});
  sec.read_duration("poll-timeout", cfg.poll_timeout, milliseconds{10},
                    hours{1});
  sec.read_duration("window", cfg.window, milliseconds{100}, hours{24});
  sec.read("error-rate-warning", cfg.error_rate_warning, 0.0, 1.0);
  sec.read("error-rate-critical", cfg.error_rate_critical, 0.0, 1.0);
  sec.read("min-jobs", cfg.min_jobs, uint64_t{1}, uint64_t{1'000'000'000});
  sec.read("queue-warning", cfg.queue_warning, 0.0, 1.0);
  sec.read("queue-critical", cfg.queue_critical, 0.0, 1.0);
  sec.read("restarts-warning", cfg.restarts_warning, 1u, 1'000'000u);
  sec.read("restarts-critical", cfg.restarts_critical, 1u, 1'000'000u);
  sec.read("mailbox-warning", cfg.mailbox_warning, uint64_t{1},
           uint64_t{1'000'000'000});
  sec.read("mailbox-critical", cfg.mailbox_critical, uint64_t{1},
           uint64_t{1'000'000'000});
  auto ordered = [&](const char* warning, const char* critical, bool ok) {
    if (!ok)
      sec.fail(critical, std::string{"must not be below "} + warning);
  };
  ordered("error-rate-warning", "error-rate-critical",
          cfg.error_rate_critical >= cfg.error_rate_warning);
  ordered("queue-warning", "queue-critical",
          cfg.queue_critical >= cfg.queue_warning);
  ordered("restarts-warning", "restarts-critical",
          cfg.restarts_critical >= cfg.restarts_warning);
  ordered("mailbox-warning", "mailbox-critical",
          cfg.mailbox_critical >= cfg.mailbox_warning);
}

} // namespace troupe::config
