#pragma once

#include "messages/member.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace troupe::cluster {

/// Attempts a job placed on another member gets across the cluster (a lost
/// member costs one) unless the job asks for a number itself.
inline constexpr uint32_t default_cluster_attempts = 2;

/// Chooses where a job runs: among the live members that offer its skill,
/// the least loaded, with a preference for the local node when it is not
/// busier. Load is (busy + queued + recently sent) per worker, from the
/// members' heartbeats plus what this node sent since (so that a burst does
/// not all land on the member that looked idlest a heartbeat ago). Plain
/// logic; ties go to the member whose name sorts first.
class placement {
 public:
  /// Jobs this node sent to each member since its last heartbeat.
  using recent_sends = std::map<std::string, uint64_t>;

  /// The member to run a job of `skill`, never one in `exclude`; nothing
  /// when no live member offers the skill.
  static std::optional<std::string>
  choose(const std::vector<member>& members, const std::string& self,
         const std::string& skill, const std::set<std::string>& exclude = {},
         const recent_sends& recent = {});

  /// For UNKNOWN_SKILL messages: where each skill lives, e.g.
  /// "echo (a, b), sha256 (a)"; "no skills" when there are none.
  static std::string where_skills_live(const std::vector<member>& members);

  /// The record of `skill` on `m`, if it offers it.
  static const skill_load* find_skill(const member& m,
                                      const std::string& skill);

  /// Load of `skill` on `m` including `extra` jobs just sent to it.
  static double load(const skill_load& s, uint64_t extra);
};

} // namespace troupe::cluster
