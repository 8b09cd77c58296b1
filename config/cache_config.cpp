#include "config/cache_config.hpp"

#include "config/config_reader.hpp"

#include <map>

namespace troupe::config {

void read_cache_section(config_reader& sec, cache_config& cfg) {
  sec.read("shards", cfg.shards, 0u, 256u);
  sec.read_bytes("budget", cfg.budget, 1024, uint64_t{1} << 40);
  sec.read("admission", cfg.admission);
  sec.read("refresh-rate", cfg.refresh_rate, 0.0, 100'000.0);
  sec.read("preload-skills", cfg.preload_skills);
  std::vector<std::map<std::string, std::string>> jobs;
  if (sec.read("preload-jobs", jobs)) {
    cfg.preload_jobs.clear();
    for (size_t i = 0; i < jobs.size(); ++i) {
      auto where = "preload-jobs[" + std::to_string(i + 1) + "]";
      auto& fields = jobs[i];
      preload_job pj;
      for (auto& [k, v] : fields) {
        if (k == "skill")
          pj.skill = v;
        else if (k == "input")
          pj.input = v;
        else
          sec.fail(where + "." + k, "unknown key; a preload job has skill "
                                    "and input");
      }
      if (pj.skill.empty())
        sec.fail(where, "names no skill; write { skill = \"NAME\", input = "
                        "\"...\" }");
      cfg.preload_jobs.push_back(std::move(pj));
    }
  }
}

} // namespace troupe::config
