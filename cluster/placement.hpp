#pragma once

#include "messages/member.hpp"

#include <cstdint>
#include <functional>
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
/// busier. Load is jobs in flight per worker: the members' heartbeats give
/// busy + queued as of their last beat; a caller that knows better (the
/// router counts its own pools' jobs and what it sent to each member and
/// has not had answered, as they change) gives its figures instead, so that
/// a burst spreads over the members at once rather than piling onto the
/// node a client talks to until the next heartbeat. Plain logic; ties go to
/// the member whose name sorts first.
class placement {
 public:
  /// The jobs of the skill being placed in flight on a member as the caller
  /// knows them now; nothing: use the member's heartbeat.
  using in_flight_fn
    = std::function<std::optional<int64_t>(const std::string&)>;

  /// The member to run a job of `skill`, never one in `exclude`; nothing
  /// when no live member offers the skill.
  static std::optional<std::string>
  choose(const std::vector<member>& members, const std::string& self,
         const std::string& skill, const std::set<std::string>& exclude = {},
         const in_flight_fn& in_flight = {});

  /// For UNKNOWN_SKILL messages: where each skill lives, e.g.
  /// "echo (a, b), sha256 (a)"; "no skills" when there are none.
  static std::string where_skills_live(const std::vector<member>& members);

  /// The record of `skill` on `m`, if it offers it.
  static const skill_load* find_skill(const member& m,
                                      const std::string& skill);

  /// Load of a skill: its jobs in flight per worker, `in_flight` when known,
  /// else the heartbeat's busy + queued.
  static double load(const skill_load& s, std::optional<int64_t> in_flight);
};

} // namespace troupe::cluster
