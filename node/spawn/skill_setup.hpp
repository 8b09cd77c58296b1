#pragma once

#include "actors/skills/skill.hpp"
#include "config/node_config.hpp"
#include "config/skill_config.hpp"

#include <caf/expected.hpp>

#include <string>
#include <vector>

namespace troupe::node {

/// The skills a `troupe node` offers: the built-in ones, the test skills
/// when `cfg.test_skills` is set, each adjusted by its `[skills.NAME]`
/// section of the config file `origin`. A section naming a skill the node
/// does not have is an error that lists the skills it does have.
[[nodiscard]] caf::expected<skills::skill_catalog>
make_node_catalog(const config::node_config& cfg,
                  const std::vector<config::skill_config>& skills,
                  const std::string& origin);

/// Applies one skill's config section to its definition.
void apply(const config::skill_config& sc, skills::skill_definition& def);

} // namespace troupe::node
