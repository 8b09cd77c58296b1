#include "node/spawn/skill_setup.hpp"

#include "actors/skills/builtin_skills.hpp"
#include "messages/errors.hpp"

#include <algorithm>

namespace troupe::node {

void apply(const config::skill_config& sc, skills::skill_definition& def) {
  if (sc.version)
    def.version = *sc.version;
  if (sc.description)
    def.description = *sc.description;
  if (sc.workers)
    def.workers = *sc.workers;
  if (sc.min_workers)
    def.min_workers = *sc.min_workers;
  if (sc.max_workers)
    def.max_workers = *sc.max_workers;
  if (sc.idle_timeout)
    def.idle_timeout = *sc.idle_timeout;
  if (sc.priority_aging)
    def.priority_aging = *sc.priority_aging;
  if (sc.queue_capacity)
    def.queue_capacity = *sc.queue_capacity;
  if (sc.timeout)
    def.timeout = *sc.timeout;
  if (sc.idempotent)
    def.idempotent = *sc.idempotent;
  if (sc.max_attempts)
    def.max_attempts = *sc.max_attempts;
  if (sc.cache)
    def.cache.enabled = *sc.cache;
  if (sc.cache_ttl)
    def.cache.ttl = *sc.cache_ttl;
  if (sc.cache_max_entry_bytes)
    def.cache.max_entry_bytes = *sc.cache_max_entry_bytes;
  if (sc.cache_failures)
    def.cache.negative = *sc.cache_failures;
  auto& po = def.process;
  if (sc.command)
    po.command = *sc.command;
  if (sc.args)
    po.args = *sc.args;
  if (sc.env)
    po.env = *sc.env;
  if (sc.workdir)
    po.workdir = *sc.workdir;
  if (sc.recycle_after)
    po.recycle_after = *sc.recycle_after;
  if (sc.start_timeout)
    po.start_timeout = *sc.start_timeout;
  if (sc.ping_interval)
    po.ping_interval = *sc.ping_interval;
  if (sc.ping_timeout)
    po.ping_timeout = *sc.ping_timeout;
  if (sc.kill_grace)
    po.kill_grace = *sc.kill_grace;
  if (sc.max_frame_bytes)
    po.max_frame_bytes = *sc.max_frame_bytes;
  if (sc.stderr_lines_per_second)
    po.stderr_lines_per_second = *sc.stderr_lines_per_second;
  auto& r = def.retry;
  if (sc.retry_on)
    r.retry_on = *sc.retry_on;
  if (sc.retry_backoff)
    r.backoff = *sc.retry_backoff;
  if (sc.retry_backoff_max)
    r.backoff_max = *sc.retry_backoff_max;
  if (sc.attempt_timeout)
    r.attempt_timeout = *sc.attempt_timeout;
  auto& b = def.breaker;
  // Configuring the breaker turns it on, unless the section says breaker =
  // false (which keeps the settings for when it is turned on).
  if (sc.breaker)
    b.enabled = *sc.breaker;
  else if (sc.sets_breaker_keys())
    b.enabled = true;
  if (sc.breaker_window)
    b.window = *sc.breaker_window == "time"
                 ? skills::breaker_window_kind::time
                 : skills::breaker_window_kind::count;
  if (sc.breaker_window_calls)
    b.window_calls = *sc.breaker_window_calls;
  if (sc.breaker_window_duration)
    b.window_duration = *sc.breaker_window_duration;
  if (sc.breaker_minimum_calls)
    b.minimum_calls = *sc.breaker_minimum_calls;
  if (sc.breaker_failure_rate)
    b.failure_rate = *sc.breaker_failure_rate;
  if (sc.breaker_slow_call_rate)
    b.slow_call_rate = *sc.breaker_slow_call_rate;
  if (sc.breaker_slow_call_duration)
    b.slow_call_duration = *sc.breaker_slow_call_duration;
  if (sc.breaker_open_wait)
    b.open_wait = *sc.breaker_open_wait;
  if (sc.breaker_open_wait_multiplier)
    b.open_wait_multiplier = *sc.breaker_open_wait_multiplier;
  if (sc.breaker_open_wait_max)
    b.open_wait_max = *sc.breaker_open_wait_max;
  if (sc.breaker_half_open_calls)
    b.half_open_calls = *sc.breaker_half_open_calls;
  if (sc.breaker_failure_statuses)
    b.failure_statuses = *sc.breaker_failure_statuses;
  if (sc.fallback)
    b.fallback = *sc.fallback;
}

namespace {

std::string skill_names(const skills::skill_catalog& catalog) {
  std::string out;
  for (auto& def : catalog.all())
    out += (out.empty() ? "" : ", ") + def->name;
  return out;
}

caf::error no_such_skill(const config::node_config& cfg,
                         const skills::skill_catalog& catalog,
                         const std::string& where, const std::string& name) {
  auto hint = cfg.test_skills ? std::string{}
                              : " (the test skills need test-skills = "
                                "true or --test-skills)";
  return caf::make_error(error_code::invalid_config,
                         where + ": this node has no skill named '" + name
                           + "'; it has: " + skill_names(catalog) + hint);
}

// A `[skills.NAME]` section with kind = "process" defines a skill of its
// own; it may not shadow a built-in one.
caf::error add_process_skill(skills::skill_catalog& catalog,
                             const config::skill_config& sc,
                             const std::string& where) {
  if (catalog.find(sc.name))
    return caf::make_error(error_code::invalid_config,
                           where + ": '" + sc.name
                             + "' is a built-in skill; a process skill needs "
                               "a name of its own");
  skills::skill_definition def;
  def.name = sc.name;
  def.kind = skills::skill_kind::process;
  def.description = "process skill (" + sc.command.value_or("?") + ")";
  // Code outside the node may have side effects: a job is run again after
  // its process died only when the section says that is harmless.
  def.idempotent = false;
  apply(sc, def);
  if (auto err = catalog.add(std::move(def)))
    return caf::make_error(error_code::invalid_config,
                           where + ": " + message_of(err));
  return caf::none;
}

// Checks the cache's preload lists against the skills and marks the
// preloaded skills' pools to start at full size.
caf::error apply_preload(const config::node_config& cfg,
                         skills::skill_catalog& catalog,
                         const std::string& origin) {
  for (auto& name : cfg.cache.preload_skills)
    if (!catalog.modify(name, [](skills::skill_definition& def) {
          def.start_full = true;
        }))
      return no_such_skill(cfg, catalog, origin + ": cache.preload-skills",
                           name);
  for (size_t i = 0; i < cfg.cache.preload_jobs.size(); ++i) {
    auto& pj = cfg.cache.preload_jobs[i];
    auto where = origin + ": cache.preload-jobs[" + std::to_string(i + 1) + "]";
    auto def = catalog.find(pj.skill);
    if (!def)
      return no_such_skill(cfg, catalog, where, pj.skill);
    if (!def->cache.enabled || cfg.cache.shards == 0)
      return caf::make_error(
        error_code::invalid_config,
        where + ": skill '" + pj.skill
          + "' does not cache its results, so "
            "preloading it would be wasted; set cache "
            "= true in [skills."
          + pj.skill + "]"
          + (cfg.cache.shards == 0 ? " and cache.shards above 0" : ""));
  }
  return caf::none;
}

caf::error invalid(const std::string& where, const std::string& what) {
  return caf::make_error(error_code::invalid_config, where + ": " + what);
}

// Checks one skill's breaker and retry settings against each other, now
// that the section has been applied over the skill's own defaults.
caf::error check_resilience(const config::skill_config& sc,
                            const skills::skill_definition& def,
                            const std::string& where) {
  // A cap below its base (the default one, say) only means no growth; a cap
  // set below a base is a mistake worth naming.
  if (sc.breaker_open_wait_max
      && def.breaker.open_wait_max < def.breaker.open_wait)
    return invalid(where + ".breaker-open-wait-max",
                   "must be at least breaker-open-wait");
  if (sc.retry_backoff_max && def.retry.backoff_max < def.retry.backoff)
    return invalid(where + ".retry-backoff-max",
                   "must be at least retry-backoff");
  return caf::none;
}

// Every fallback names another skill of the node, and following fallbacks
// never comes back to where it started (an open breaker answers a job with
// its fallback's breaker, which may be open too).
caf::error check_fallbacks(const config::node_config& cfg,
                           const skills::skill_catalog& catalog,
                           const std::string& origin) {
  for (auto& def : catalog.all()) {
    auto& fb = def->breaker.fallback;
    if (fb.empty())
      continue;
    auto where = origin + ": skills." + def->name + ".fallback";
    if (fb == def->name)
      return invalid(where, "a skill cannot be its own fallback");
    std::vector<std::string> chain{def->name};
    for (auto next = catalog.find(fb); next;
         next = catalog.find(next->breaker.fallback)) {
      if (std::find(chain.begin(), chain.end(), next->name) != chain.end()) {
        std::string loop;
        for (auto& name : chain)
          loop += name + " -> ";
        return invalid(where,
                       "fallbacks go round in a circle: " + loop + next->name);
      }
      chain.push_back(next->name);
      if (next->breaker.fallback.empty())
        break;
    }
    if (!catalog.find(fb))
      return no_such_skill(cfg, catalog, where, fb);
  }
  return caf::none;
}

} // namespace

caf::expected<skills::skill_catalog>
make_node_catalog(const config::node_config& cfg,
                  const std::vector<config::skill_config>& skills,
                  const std::string& origin) {
  skills::skill_catalog catalog;
  if (auto err = skills::add_builtin_skills(catalog))
    return err;
  if (cfg.test_skills)
    if (auto err = skills::add_test_skills(catalog))
      return err;
  for (auto& sc : skills) {
    auto where = origin + ": skills." + sc.name;
    if (sc.is_process()) {
      if (auto err = add_process_skill(catalog, sc, where))
        return err;
    } else if (!catalog.modify(sc.name, [&](skills::skill_definition& def) {
                 apply(sc, def);
               })) {
      auto err = no_such_skill(cfg, catalog, where, sc.name);
      return caf::make_error(error_code::invalid_config,
                             message_of(err)
                               + ". A section with kind = \"process\" "
                                 "defines a process skill");
    }
    if (auto err = check_resilience(sc, *catalog.find(sc.name), where))
      return err;
  }
  if (auto err = check_fallbacks(cfg, catalog, origin))
    return err;
  if (auto err = apply_preload(cfg, catalog, origin))
    return err;
  return catalog;
}

} // namespace troupe::node
