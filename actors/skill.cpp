#include "actors/skill.hpp"

#include "messages/errors.hpp"

#include <cctype>
#include <chrono>

namespace troupe {

caf::error skill_catalog::add(skill_definition def) {
  if (def.name.empty())
    return caf::make_error(error_code::invalid_config,
                           std::string{"a skill needs a name"});
  for (char c : def.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'
          || c == '.'))
      return caf::make_error(error_code::invalid_config,
                             "skill name '" + def.name
                               + "' may only use letters, digits, '_', '-' "
                                 "and '.'");
  if (!def.fn)
    return caf::make_error(error_code::invalid_config,
                           "skill '" + def.name + "' has no function");
  if (def.max_attempts == 0)
    def.max_attempts = 1;
  auto name = def.name;
  auto [i, added] = skills_.emplace(
    name, std::make_shared<const skill_definition>(std::move(def)));
  if (!added)
    return caf::make_error(error_code::invalid_config,
                           "skill '" + name + "' is registered twice");
  return caf::none;
}

job_result run_skill(const skill_definition& skill, const std::string& input) {
  job_result r;
  auto start = std::chrono::steady_clock::now();
  try {
    auto out = skill.fn(input);
    r.status = out.status;
    if (out.status == job_status::ok)
      r.output = std::move(out.data);
    else
      r.error = std::move(out.data);
  } catch (const std::exception& e) {
    r.status = job_status::skill_error;
    r.error = "skill '" + skill.name + "' threw: " + e.what();
  }
  r.run_time = std::chrono::steady_clock::now() - start;
  return r;
}

bool skill_catalog::modify(const std::string& name,
                           const std::function<void(skill_definition&)>& edit) {
  auto i = skills_.find(name);
  if (i == skills_.end())
    return false;
  auto copy = *i->second;
  edit(copy);
  if (copy.max_attempts == 0)
    copy.max_attempts = 1;
  i->second = std::make_shared<const skill_definition>(std::move(copy));
  return true;
}

std::shared_ptr<const skill_definition>
skill_catalog::find(const std::string& name) const {
  auto i = skills_.find(name);
  return i != skills_.end() ? i->second : nullptr;
}

std::vector<std::shared_ptr<const skill_definition>>
skill_catalog::all() const {
  std::vector<std::shared_ptr<const skill_definition>> out;
  out.reserve(skills_.size());
  for (auto& kv : skills_)
    out.push_back(kv.second);
  return out;
}

} // namespace troupe
