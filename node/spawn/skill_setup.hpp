#pragma once

#include "actors/skills/skill.hpp"
#include "config/node_config.hpp"
#include "config/skill_config.hpp"

#include <caf/expected.hpp>

#include <string>
#include <vector>

namespace troupe {

/// The skills a `troupe node` offers: the built-in ones, the test skills
/// when `cfg.test_skills` is set, each adjusted by its `[skills.NAME]`
/// section of the config file `origin`. A section naming a skill the node
/// does not have is an error that lists the skills it does have.
[[nodiscard]] caf::expected<skill_catalog>
make_node_catalog(const node_config& cfg,
                  const std::vector<skill_config>& skills,
                  const std::string& origin);

/// Applies one skill's config section to its definition.
void apply(const skill_config& sc, skill_definition& def);

} // namespace troupe
