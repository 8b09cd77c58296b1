#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

/// Where a member stands in the cluster.
enum class member_status : uint8_t {
  joining, ///< asked to join, not yet acknowledged
  up,      ///< serving
  leaving, ///< shutting down cleanly; takes no new work
  down,    ///< stopped answering (or its connection broke)
};

/// Lower-case name of a status (`up`, `down`, ...).
std::string_view to_string(member_status x) noexcept;

/// The load of one skill on one member, as routing needs it.
struct skill_load {
  std::string name;
  uint32_t workers = 0;
  uint32_t busy = 0;
  uint64_t queued = 0;
  /// Whether a job of this skill may run twice (failover retries it).
  bool idempotent = false;
  /// Whether the member caches the skill's results; then it is one of the
  /// owners its cache keys are spread over (cluster/cache_ring.hpp).
  bool cached = false;
  /// The skill's version, part of its cache keys.
  std::string version{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, skill_load& x) {
  return f(caf::meta::type_name("skill_load"), x.name, x.workers, x.busy,
           x.queued, x.idempotent, x.cached, x.version);
}

/// One node as the cluster sees it.
struct member {
  std::string name;
  /// HOST:PORT of the member's gateway.
  std::string address;
  /// Distinguishes runs of a node with the same name: a restarted node has a
  /// larger one (its start time in milliseconds).
  uint64_t incarnation = 0;
  /// Bumped by the member itself on every heartbeat, so that the freshest
  /// load figures win when views merge.
  uint64_t seq = 0;
  member_status status = member_status::joining;
  /// Skills offered, with their load.
  std::vector<skill_load> skills;
  /// Jobs answered per second, averaged over the last heartbeat interval.
  double jobs_per_second = 0;
  /// Health score 0..100 (100 when nothing is known to be wrong).
  uint32_t health = 100;

  /// Whether the member offers `skill`.
  bool offers(std::string_view skill) const noexcept;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member& x) {
  return f(caf::meta::type_name("member"), x.name, x.address, x.incarnation,
           x.seq, x.status, x.skills, x.jobs_per_second, x.health);
}

/// A node's view of the cluster: its own name and every member it knows
/// (itself included), sorted by name.
struct cluster_view {
  std::string self;
  std::vector<member> members;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_view& x) {
  return f(caf::meta::type_name("cluster_view"), x.self, x.members);
}

} // namespace troupe
