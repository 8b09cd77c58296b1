#pragma once

#include "messages/member.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe::cluster {

/// A node's view of the cluster: every member it knows of, merged from what
/// it sees itself and what peers tell it. Plain logic, used by the
/// membership actor; no clock of its own (callers pass `now`).
///
/// Merge rules, which make every view converge to the same one: a larger
/// incarnation replaces a smaller one (the node restarted); for the same
/// incarnation the more severe status wins (down > leaving > up > joining),
/// since status only moves forward within one run, and the larger sequence
/// number supplies skills, load and health. One exception: another node's
/// claim that a member is down does not count while this node hears from
/// that member directly; a member that others gave up on learns it from
/// their views and comes back under a new incarnation, so views converge
/// all the same.
class membership_view {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// A view holding only `self`, which is up.
  explicit membership_view(member self);

  const member& self() const {
    return members_.at(self_name_).m;
  }

  /// Updates this node's own record (load, skills); bumps its sequence.
  void update_self(std::vector<skill_load> skills, double jobs_per_second,
                   uint32_t health);

  /// Gives this node a new incarnation (it was declared down by others and
  /// comes back as a new run).
  void reincarnate(uint64_t incarnation);

  /// Marks this node as leaving (a clean shutdown).
  void leave_self();

  /// Merges one member record from a peer. Returns true when the view
  /// changed. A record claiming that this node is down (for its current
  /// incarnation) is reported through `self_declared_down()`. A record
  /// claiming that a member is down is hearsay: it is ignored while this
  /// node has heard from that member itself within the window set by
  /// `trust_direct_contact` (direct evidence wins).
  bool merge(const member& m, time_point now);

  /// Direct contact with a member within `window` outweighs another node's
  /// claim that it is down (0, the default: every claim counts).
  void trust_direct_contact(std::chrono::nanoseconds window) {
    trust_direct_ = window;
  }

  /// This node itself was stalled (stopped, starved of CPU) for `stalled`
  /// until `now`: the silence of others during the stall says nothing
  /// about them, so it does not count against any live member.
  void suspend_judgement(time_point now, std::chrono::nanoseconds stalled);

  /// Merges every record of `ms`; true when anything changed.
  bool merge(const std::vector<member>& ms, time_point now);

  /// Records that `name` itself was heard from (direct contact, not
  /// hearsay) with this incarnation.
  void heard_from(const std::string& name, uint64_t incarnation,
                  time_point now);

  /// Marks `name` down if its incarnation is `incarnation` (or any, when 0)
  /// and it is not already down or gone; true when it changed.
  bool mark_down(const std::string& name, uint64_t incarnation, time_point now);

  /// Marks as down every live member not heard from directly within
  /// `timeout`; returns their names.
  std::vector<std::string> detect_failures(time_point now,
                                           std::chrono::nanoseconds timeout);

  /// Forgets members that have been down or leaving for longer than
  /// `after`, so the view stays bounded; returns how many.
  size_t prune(time_point now, std::chrono::nanoseconds after);

  /// Whether some peer claimed this node down for its current incarnation.
  bool self_declared_down() const noexcept {
    return self_declared_down_;
  }

  /// Why a node named `candidate.name` may not join, if it may not: a live
  /// member (not down or leaving) of that name with another address or
  /// incarnation.
  std::optional<std::string> join_conflict(const member& candidate) const;

  /// Every member, sorted by name.
  std::vector<member> members() const;

  /// Members that are up (or joining), sorted by name; these take work.
  std::vector<member> live_members() const;

  /// The record of `name`, if known.
  const member* find(const std::string& name) const;

  size_t size() const noexcept {
    return members_.size();
  }

 private:
  struct tracked {
    member m;
    /// Last direct contact (or when the detector's window last started:
    /// first news of the member, the end of a stall); the failure
    /// detector's clock.
    time_point heard{};
    /// Last direct contact only, which outweighs hearsay.
    time_point contact{};
    /// When the member became down or leaving, for pruning.
    time_point settled{};
  };

  member& self_mut() {
    return members_.at(self_name_).m;
  }

  std::string self_name_;
  std::map<std::string, tracked> members_;
  bool self_declared_down_ = false;
  std::chrono::nanoseconds trust_direct_{0};
};

} // namespace troupe::cluster
