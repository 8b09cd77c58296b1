#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe {

/// What a member answers about a detached job it was asked for by id.
enum class detached_state : int32_t {
  /// No such job of that owner (never was, or its result expired).
  unknown = 0,
  /// Still running.
  pending = 1,
  /// Ended: the answer carries its serialized `troupe.v1.JobResult`.
  done = 2,
  /// The member that held it was lost, or restarted since: the answer
  /// carries why.
  lost = 3,
};

/// The id clients know a detached job by: `<number>-<incarnation>@<member>`.
/// It names the member that holds the job and that member's run, so any
/// member can forward a request for it, and a job of an earlier run of a
/// restarted member is known lost rather than confused with a new one.
struct detached_id {
  uint64_t number = 0;
  uint64_t incarnation = 0;
  std::string holder;

  std::string to_string() const;

  /// The parts of `text`, or nothing when it is not such an id.
  static std::optional<detached_id> parse(std::string_view text);
};

} // namespace troupe
