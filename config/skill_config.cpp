#include "config/skill_config.hpp"

#include "config/config_reader.hpp"
#include "messages/job.hpp"

namespace troupe {

void read_skill_section(config_reader& sec, skill_config& out) {
  sec.read("version", out.version);
  sec.read("description", out.description);
  sec.read("workers", out.workers, 1u, 1024u);
  sec.read("queue-capacity", out.queue_capacity, uint64_t{1},
           uint64_t{100'000'000});
  sec.read_duration("timeout", out.timeout, caf::timespan{1'000'000},
                    max_job_timeout);
  sec.read("idempotent", out.idempotent);
  sec.read("max-attempts", out.max_attempts, 1u, 100u);
  sec.read("cache", out.cache);
  sec.read_duration("cache-ttl", out.cache_ttl, caf::timespan{1'000'000},
                    max_job_timeout);
  sec.read_bytes("cache-max-entry-bytes", out.cache_max_entry_bytes, 0,
                 uint64_t{1} << 32);
  sec.read("cache-failures", out.cache_failures);
}

} // namespace troupe
