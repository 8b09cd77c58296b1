#pragma once

#include "actors/door/access.hpp"
#include "messages/result_port.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "troupe/v1/troupe.pb.h"

namespace troupe::door {

/// How long and how much the door keeps of detached jobs' results.
struct keeper_limits {
  /// An ended job's result is kept this long.
  std::chrono::steady_clock::duration retention = std::chrono::minutes(10);
  /// Results kept at most, in bytes: beyond it the oldest go first.
  uint64_t max_bytes = uint64_t{256} << 20;
  /// Detached jobs known at most (running or ended).
  size_t max_jobs = 1'000'000;
};

/// The detached jobs of a node's door and the results of those that ended:
/// jobs go to the gateway with the keeper's port as their client, so that
/// no call's end cancels them; results wait here, by id, for any call of
/// the same token, until the retention ends or the byte budget needs the
/// room. Idempotency keys map to the job that first used them. Thread-safe.
class result_keeper {
 public:
  using clock = std::chrono::steady_clock;

  /// Called once when a waited-for job ends (with its result), or with
  /// null when the wait is cut short (the keeper forgot the job).
  using on_end = std::function<void(const v1::JobResult*)>;

  /// `incarnation` distinguishes this run of the node in job ids (its
  /// start time).
  result_keeper(std::string node_name, uint64_t incarnation,
                keeper_limits limits, std::shared_ptr<door::access> access);

  /// A detached job entered: its number (the id the gateway knows it by)
  /// and its id for clients, or the job that used `key` before.
  struct ticket {
    uint64_t number = 0;
    std::string id;
    bool existing = false;
    /// The keeper holds as many jobs as it may.
    bool full = false;
  };

  /// Enters a job of `who` (whose limits admitted it; `owner` is its
  /// token's name, empty without tokens) with `key` (may be empty) and
  /// `tag`. With `existing` or `full` set the job must not run (and the
  /// admission is given back here).
  ticket enter(const caller& who, const std::string& owner,
               const std::string& key, const std::string& tag);

  /// Where the gateway delivers the results of the keeper's jobs.
  result_port_ptr port() const {
    return port_;
  }

  enum class state { unknown, pending, done };

  /// The state of job `id` for `owner`; a done job's result goes to `out`
  /// (may be null). Another owner's job is unknown.
  state find(const std::string& owner, const std::string& id,
             v1::JobResult* out);

  /// Calls `fn` once job `id` of `owner` ends (at once when it did);
  /// answers a number for `unwait`, 0 when the job is unknown.
  uint64_t wait(const std::string& owner, const std::string& id, on_end fn);

  /// Drops a wait: true when `fn` will not be called; false when it was,
  /// or is being, called.
  bool unwait(uint64_t waiter);

  /// The numbers of `owner`'s jobs among `ids` that have not ended.
  std::vector<uint64_t> pending(const std::string& owner,
                                const std::vector<std::string>& ids);

  /// The id clients know job `number` by (messages/detached.hpp).
  std::string id_of(uint64_t number) const;

  /// Whether `id` names a job of this run of this node (known or not).
  bool holds(const std::string& id) const {
    return number_of(id) != 0;
  }

  /// Whether `id` names a job of an earlier run of this node, lost with it.
  bool of_earlier_run(const std::string& id) const;

 private:
  class port_impl;

  struct entry {
    std::string owner;
    std::string key;
    std::string tag;
    caller who;
    bool done = false;
    v1::JobResult result;
    size_t bytes = 0;
    /// Waits: their numbers, each with its callback.
    std::vector<std::pair<uint64_t, on_end>> waiters;
  };

  void store(std::vector<job_result>& results);
  /// Forgets ended jobs past their retention, then the oldest while over
  /// the byte budget; call with the lock held.
  void sweep(clock::time_point now);
  void forget(uint64_t number);
  /// The number in `id` when this node holds it, else 0.
  uint64_t number_of(const std::string& id) const;

  std::string node_name_;
  uint64_t incarnation_;
  keeper_limits limits_;
  std::shared_ptr<door::access> access_;
  result_port_ptr port_;
  std::mutex mtx_;
  uint64_t next_number_ = 1;
  uint64_t next_waiter_ = 1;
  std::unordered_map<uint64_t, entry> jobs_;
  /// (owner, key) -> job.
  std::unordered_map<std::string, uint64_t> keys_;
  /// waiter -> job.
  std::unordered_map<uint64_t, uint64_t> waits_;
  /// Ended jobs in the order they ended, with when they expire.
  std::deque<std::pair<clock::time_point, uint64_t>> ended_;
  uint64_t bytes_ = 0;
};

} // namespace troupe::door
