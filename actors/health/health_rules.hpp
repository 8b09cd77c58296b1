#pragma once

#include "config/health_config.hpp"
#include "messages/health.hpp"
#include "messages/member.hpp"
#include "messages/node_status.hpp"
#include "messages/supervision.hpp"

#include <caf/actor_clock.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace troupe::health {

/// One round of figures the health monitor collected from its node.
struct health_sample {
  using time_point = caf::actor_clock::time_point;

  /// A skill's pool.
  struct pool {
    std::string skill;
    uint64_t queued = 0;
    uint64_t capacity = 0;
    /// Workers the pool replaced since it started.
    uint64_t worker_restarts = 0;
  };

  /// An actor's mailbox (router, gateway, dispatcher).
  struct mailbox {
    std::string path;
    uint64_t size = 0;
  };

  time_point now;
  std::vector<pool> pools;
  /// Terminal results per skill and status since the node started.
  std::vector<job_count> counts;
  std::vector<supervisor_report> supervisors;
  std::vector<mailbox> mailboxes;
  /// Paths of the actors that did not answer in time.
  std::vector<std::string> unresponsive;
  /// The cluster as the node sees it (empty: no cluster).
  std::vector<member> members;
  /// A port the node listens on (the client port, the cluster port).
  struct listener {
    /// "door", "cluster port".
    std::string port;
    /// Connections refused since the node started: over the port's
    /// connection cap, or no file descriptor left for them.
    uint64_t refused = 0;
    /// False while accepting fails (no file descriptor left at all).
    bool accepting = true;
  };
  std::vector<listener> listeners;
};

/// The health monitor's rules, as plain logic: turns a sequence of samples
/// into active alerts, a score and restart counts. Thresholds come from
/// `health_config`. An alert stays active while its condition holds and
/// clears with the first sample in which it no longer does.
///
/// Rules: `error-rate` and `queue` per skill, `restarts` per child (for a
/// pool's workers, all of them), `restarting` for a child its supervisor is
/// starting again, `unresponsive` and `mailbox` per actor, `member-down` per
/// cluster member, `listener` per port that refused connections within the
/// window (WARNING) or accepts none (CRITICAL).
///
/// The score starts at 100 and loses 2 per INFO, 10 per WARNING and 30 per
/// CRITICAL alert, down to 0.
class health_rules {
 public:
  using time_point = caf::actor_clock::time_point;

  explicit health_rules(config::health_config cfg);

  /// Evaluates every rule on `x`.
  void update(const health_sample& x);

  uint32_t score() const noexcept {
    return score_;
  }

  /// Active alerts, the most severe first, with their age at `now`.
  std::vector<alert> alerts(time_point now) const;

  /// Active alerts per severity (INFO, WARNING, CRITICAL).
  std::array<uint32_t, 3> alert_counts() const noexcept;

  /// Restarts of every child since the node started, including those of
  /// earlier incarnations of its supervisor, and of every pool's workers.
  std::vector<restart_count> restarts() const;

 private:
  struct active {
    alert a;
    time_point since;
  };

  /// A counter that survives the restart of whoever counts (its value then
  /// starts over), with its values over the window.
  struct series {
    uint64_t last_raw = 0;
    uint64_t total = 0;
    std::deque<std::pair<time_point, uint64_t>> history;

    /// With `from_zero`, a counter seen for the first time counted from 0
    /// (it appeared since the last sample); otherwise its first value is
    /// the base.
    void add(time_point now, uint64_t raw, caf::timespan window,
             bool from_zero);
    uint64_t delta() const;
  };

  /// A skill's jobs and errors over the window.
  struct job_series {
    std::deque<std::tuple<time_point, uint64_t, uint64_t>> history;
  };

  using alert_map = std::map<std::pair<std::string, std::string>, active>;

  void raise(alert_map& next, time_point now, severity level,
             const std::string& rule, const std::string& subject,
             std::string message);

  void check_jobs(const health_sample& x, alert_map& next);
  void check_pools(const health_sample& x, alert_map& next);
  void check_restarts(const health_sample& x, alert_map& next);
  void check_actors(const health_sample& x, alert_map& next);
  void check_listeners(const health_sample& x, alert_map& next);

  config::health_config cfg_;
  alert_map active_;
  std::map<std::pair<std::string, std::string>, series> restarts_;
  std::map<std::string, job_series> jobs_;
  uint32_t score_ = 100;
  /// Counters in the first sample are history, not news.
  bool first_sample_ = true;
  /// Per port: connections refused so far, and when the count last grew.
  std::map<std::string, std::pair<uint64_t, time_point>> refusals_;
};

} // namespace troupe::health
