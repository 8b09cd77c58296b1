#include "cluster/placement.hpp"

#include <algorithm>

namespace troupe::cluster {

const skill_load* placement::find_skill(const member& m,
                                        const std::string& skill) {
  for (auto& s : m.skills)
    if (s.name == skill)
      return &s;
  return nullptr;
}

double placement::load(const skill_load& s, std::optional<int64_t> in_flight) {
  auto work = in_flight
                ? static_cast<double>(std::max<int64_t>(*in_flight, 0))
                : static_cast<double>(s.busy) + static_cast<double>(s.queued);
  return work / static_cast<double>(std::max<uint32_t>(s.workers, 1));
}

std::optional<std::string>
placement::choose(const std::vector<member>& members, const std::string& self,
                  const std::string& skill,
                  const std::set<std::string>& exclude,
                  const in_flight_fn& in_flight) {
  std::optional<double> local_load;
  std::optional<std::string> best;
  double best_load = 0;
  for (auto& m : members) {
    if (m.status != member_status::up || exclude.count(m.name) > 0)
      continue;
    auto* s = find_skill(m, skill);
    if (s == nullptr)
      continue;
    auto l = load(*s, in_flight ? in_flight(m.name) : std::nullopt);
    if (m.name == self) {
      local_load = l;
      continue;
    }
    if (!best || l < best_load) {
      best = m.name;
      best_load = l;
    }
  }
  if (local_load && (!best || *local_load <= best_load))
    return self;
  return best;
}

std::string placement::where_skills_live(const std::vector<member>& members) {
  std::map<std::string, std::vector<std::string>> where;
  for (auto& m : members)
    if (m.status == member_status::up)
      for (auto& s : m.skills)
        where[s.name].push_back(m.name);
  if (where.empty())
    return "no skills";
  std::string out;
  for (auto& [skill, names] : where) {
    out += (out.empty() ? "" : ", ") + skill + " (";
    for (size_t i = 0; i < names.size(); ++i)
      out += (i > 0 ? ", " : "") + names[i];
    out += ")";
  }
  return out;
}

} // namespace troupe::cluster
