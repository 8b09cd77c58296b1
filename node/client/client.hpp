#pragma once

#include "messages/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace troupe::client {

/// A connection to a node's gateway from another process, speaking the
/// protobuf schema over CAF's middleman. Used by the `troupe` CLI, by tests
/// and by any C++ program that wants to submit jobs remotely. Not
/// thread-safe: use one client per thread.
class client {
 public:
  /// How long `connect` waits by default for a node to complete the
  /// handshake.
  static constexpr auto default_connect_timeout = std::chrono::seconds(5);

  /// Connects to the gateway at host:port. An absent node, or one that does
  /// not complete CAF's handshake within `timeout` (a peer that accepts TCP
  /// but never answers), gives `error_code::node_unreachable` ("cannot reach
  /// node HOST:PORT (...)"); reconnects use the same timeout.
  [[nodiscard]] static caf::expected<client>
  connect(caf::actor_system& sys, const std::string& host, uint16_t port,
          caf::timespan timeout = default_connect_timeout);

  [[nodiscard]] caf::expected<skill_list> skills(caf::timespan timeout);

  [[nodiscard]] caf::expected<node_status> status(caf::timespan timeout);

  /// Sends an operator's command to the breaker of `skill` and returns the
  /// breaker's status after it; an unknown skill, or one without a breaker,
  /// gives `error_code::rejected` saying so.
  [[nodiscard]] caf::expected<breaker_status> breaker(const std::string& skill,
                                                      breaker_command command,
                                                      caf::timespan timeout);

  /// Test hook of nodes started with `--test-skills`: makes the actor at
  /// `path` below the node's root crash (e.g. "router", "gateway",
  /// "skills/echo"); answers what the node did. Other nodes refuse.
  [[nodiscard]] caf::expected<std::string> crash(const std::string& path,
                                                 caf::timespan timeout);

  /// Called once per job with its terminal result and the time from
  /// sending the job to receiving its result.
  using result_handler = std::function<void(job_result&&, caf::timespan)>;

  /// Submits `jobs` keeping at most `concurrency` in flight and calls
  /// `on_result` exactly once per job. Jobs leave in messages of at most
  /// `max_batch_jobs` jobs and about `max_batch_bytes` bytes (a larger job
  /// alone), well below any node's message limit, so that a node refuses a
  /// message only for a single job too large for it, which then fails alone
  /// (BAD_INPUT). A job whose result has not arrived `grace` after its own
  /// timeout (or the node default) ends TIMEOUT; the node itself answers
  /// every job it accepted by then, so this only happens when it hangs.
  /// If the connection to the node breaks, the remaining jobs end NODE_LOST
  /// at once. Job ids are replaced by their index in `jobs`. If only the
  /// node's gateway restarted (the node stays reachable), the client
  /// connects to the new one and sends again the jobs the old one never
  /// read (those it had accepted it answered before it ended).
  void run(std::vector<job> jobs, size_t concurrency,
           const result_handler& on_result,
           caf::timespan default_timeout = std::chrono::seconds(60),
           caf::timespan grace = client_result_grace);

  /// Most jobs per submit message.
  static constexpr size_t max_batch_jobs = 128;

  /// Bytes per submit message (roughly; a single larger job goes alone): a
  /// quarter of the smallest message limit a node can have (1 MiB plus its
  /// max-job-bytes).
  static constexpr size_t max_batch_bytes = 256 * 1024;

  /// Runs one job and returns its result.
  job_result submit(job j,
                    caf::timespan default_timeout = std::chrono::seconds(60));

  /// Stops a `run` in progress (called from another thread, e.g. one that
  /// waits for Ctrl-C): the node cancels its jobs in flight, which end
  /// CANCELLED unless they finished first; jobs not sent yet end CANCELLED
  /// without being sent; `run` returns once every job is answered, or after
  /// `cancel_grace` at most. Also stops the next `run` at once if none is in
  /// progress. Thread-safe.
  void interrupt();

  /// How long an interrupted `run` waits for the node to confirm.
  static constexpr auto cancel_grace = std::chrono::seconds(3);

  const std::string& address() const {
    return address_;
  }

  /// The node's gateway, for actors that talk to it directly (a batcher).
  const gateway_actor& gateway() const {
    return gateway_;
  }

  /// Connects to the node's gateway again after it ended while the node
  /// stays up (a restart): true once a new gateway answers, false when none
  /// does within a few seconds. `gateway()` is the new one afterwards.
  bool reconnect();

 private:
  /// The `run` in progress, for `interrupt`.
  struct interrupt_state;

  client(caf::actor_system& sys, gateway_actor gw, std::string host,
         uint16_t port, std::string address, caf::timespan connect_timeout);

  caf::expected<std::string> query(const std::string& request,
                                   caf::timespan timeout);

  caf::actor_system* sys_;
  gateway_actor gateway_;
  std::string host_;
  uint16_t port_;
  std::string address_;
  caf::timespan connect_timeout_;
  std::shared_ptr<interrupt_state> interrupt_;
};

} // namespace troupe::client
