#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace troupe::base {

/// Jobs in flight by key, counted by the actors that hold them and read by
/// the router when it places a job. A node keeps two: its pools' jobs by
/// skill, and the jobs its links hold by member and skill. The counts are
/// fresh (no heartbeat in between), so a burst spreads at once. Counters
/// are created on first use and never removed; thread-safe.
class load_board {
 public:
  using counter = std::atomic<int64_t>;
  using counter_ptr = std::shared_ptr<counter>;

  /// The counter of `key`, created at zero when new. Holders keep the
  /// pointer: the job path does no lookups here.
  counter_ptr counter_for(const std::string& key);

  /// The key of a member's skill on a board of links.
  static std::string member_key(const std::string& member,
                                const std::string& skill);

 private:
  std::mutex mtx_;
  std::unordered_map<std::string, counter_ptr> counters_;
};

using load_board_ptr = std::shared_ptr<load_board>;

/// One holder's share of a counter: what it added, taken back when it
/// ends however it ends (a crashed actor's jobs stop counting with it).
class load_share {
 public:
  load_share() = default;

  explicit load_share(load_board::counter_ptr c) : counter_(std::move(c)) {
    // nop
  }

  load_share(load_share&& other) noexcept
      : counter_(std::move(other.counter_)), held_(other.held_) {
    other.held_ = 0;
  }

  load_share& operator=(load_share&& other) noexcept {
    if (this != &other) {
      release_all();
      counter_ = std::move(other.counter_);
      held_ = other.held_;
      other.held_ = 0;
    }
    return *this;
  }

  load_share(const load_share&) = delete;
  load_share& operator=(const load_share&) = delete;

  ~load_share() {
    release_all();
  }

  void add() noexcept {
    if (counter_) {
      counter_->fetch_add(1, std::memory_order_relaxed);
      ++held_;
    }
  }

  void remove() noexcept {
    if (counter_ && held_ > 0) {
      counter_->fetch_sub(1, std::memory_order_relaxed);
      --held_;
    }
  }

  int64_t held() const noexcept {
    return held_;
  }

 private:
  void release_all() noexcept {
    if (counter_ && held_ > 0)
      counter_->fetch_sub(held_, std::memory_order_relaxed);
    held_ = 0;
  }

  load_board::counter_ptr counter_;
  int64_t held_ = 0;
};

} // namespace troupe::base
