#include "node/skill_setup.hpp"

#include "actors/builtin_skills.hpp"
#include "messages/errors.hpp"

namespace troupe {

void apply(const skill_config& sc, skill_definition& def) {
  if (sc.version)
    def.version = *sc.version;
  if (sc.description)
    def.description = *sc.description;
  if (sc.workers)
    def.workers = *sc.workers;
  if (sc.queue_capacity)
    def.queue_capacity = *sc.queue_capacity;
  if (sc.timeout)
    def.timeout = *sc.timeout;
  if (sc.idempotent)
    def.idempotent = *sc.idempotent;
  if (sc.max_attempts)
    def.max_attempts = *sc.max_attempts;
}

caf::expected<skill_catalog>
make_node_catalog(const node_config& cfg,
                  const std::vector<skill_config>& skills,
                  const std::string& origin) {
  skill_catalog catalog;
  if (auto err = add_builtin_skills(catalog))
    return err;
  if (cfg.test_skills)
    if (auto err = add_test_skills(catalog))
      return err;
  for (auto& sc : skills) {
    if (catalog.modify(sc.name, [&](skill_definition& def) {
          apply(sc, def);
        }))
      continue;
    std::string known;
    for (auto& def : catalog.all())
      known += (known.empty() ? "" : ", ") + def->name;
    auto hint = cfg.test_skills ? std::string{}
                                : " (the test skills need test-skills = "
                                  "true or --test-skills)";
    return caf::make_error(error_code::invalid_config,
                           origin + ": skills." + sc.name
                             + ": this node has no skill named '" + sc.name
                             + "'; it has: " + known + hint);
  }
  return catalog;
}

} // namespace troupe
