#pragma once

#include "messages/breaker_status.hpp"
#include "messages/job.hpp"
#include "messages/node_status.hpp"

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace troupe::client {

/// How `client::connect` reaches a node: how long it waits, and the
/// credentials every call carries. Without TLS files the connection is
/// plaintext.
struct connect_options {
  /// How long to wait for the node to complete the connection (TCP, TLS
  /// and HTTP/2 handshakes).
  caf::timespan timeout = std::chrono::seconds(5);
  /// Sent as `authorization: Bearer <token>` with every call when not
  /// empty.
  std::string token;
  /// PEM file of the roots that sign the node's certificate. Setting it, or
  /// a client certificate, makes the connection TLS (with the system's
  /// roots when this is empty).
  std::string tls_ca_file;
  /// PEM files of a client certificate and its key, for nodes that ask for
  /// one (mutual TLS); both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
};

/// What a node answered when told to drain.
struct drain_reply {
  /// Jobs it still had in flight when it began to drain.
  uint64_t in_flight = 0;
  std::string message;
};

/// A connection to a node's client API (troupe.v1 over gRPC) from another
/// process: used by the `troupe` CLI, by tests and by any C++ program that
/// wants to run jobs remotely. Jobs travel on one `Run` stream per client,
/// opened when first needed and kept for later calls; gRPC reconnects the
/// channel by itself. Not thread-safe (one client per thread), except for
/// `interrupt`.
class client {
 public:
  /// How long `connect` waits by default for a node to complete the
  /// handshake.
  static constexpr auto default_connect_timeout = std::chrono::seconds(5);

  /// Connects to the node at host:port. An absent node, or one that does
  /// not complete the handshake within `opts.timeout` (a peer that accepts
  /// TCP but never answers, or speaks another protocol), gives
  /// `error_code::node_unreachable` ("cannot reach node HOST:PORT (...)");
  /// unreadable TLS files give `error_code::invalid_config`.
  [[nodiscard]] static caf::expected<client>
  connect(const std::string& host, uint16_t port,
          const connect_options& opts = {});

  client(client&&) noexcept;
  client& operator=(client&&) noexcept;

  /// Closes the job stream (bounded: the node has no jobs of it left by
  /// then, or they are cancelled).
  ~client();

  /// Failed calls give `error_code::node_unreachable` (the node is gone),
  /// `error_code::timeout` (no answer within `timeout`),
  /// `error_code::rejected` (the node refused and said why: a bad token, an
  /// unknown skill, a disabled hook) or `error_code::protocol_mismatch`
  /// (the peer does not serve troupe.v1).
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

  /// Tells the node to drain: it leaves its cluster, refuses new jobs,
  /// lets those in flight finish within its drain timeout and exits.
  [[nodiscard]] caf::expected<drain_reply> drain(caf::timespan timeout);

  /// Called once per job with its terminal result and the time from
  /// sending the job to receiving its result.
  using result_handler = std::function<void(job_result&&, caf::timespan)>;

  /// Gives `run` its next job: false when there are none left. Called on
  /// the thread of `run`, only while fewer than `concurrency` jobs are in
  /// flight.
  using job_source = std::function<bool(job&)>;

  /// Runs the jobs of `next` keeping at most `concurrency` in flight and
  /// calls `on_result` exactly once per job, on this thread, with the job's
  /// own id. Jobs leave in messages of at most `max_batch_jobs` jobs and
  /// about `max_batch_bytes` bytes on the client's one stream; a job larger
  /// than that goes in a call of its own, so that a node refusing a message
  /// too large for it fails that job alone (BAD_INPUT). A job whose result
  /// has not arrived `grace` after its own timeout (or `default_timeout`)
  /// ends TIMEOUT (and is cancelled on the node); the node itself answers
  /// every job it accepted by then, so this only happens when it hangs. If
  /// the stream breaks, the jobs in flight end NODE_LOST at once and the
  /// jobs `next` still has end NODE_LOST without being sent: a node at the
  /// same address later may be another node.
  void run(const job_source& next, size_t concurrency,
           const result_handler& on_result,
           caf::timespan default_timeout = std::chrono::seconds(60),
           caf::timespan grace = client_result_grace);

  /// Runs `jobs` as above; ids are replaced by their index in `jobs`.
  void run(std::vector<job> jobs, size_t concurrency,
           const result_handler& on_result,
           caf::timespan default_timeout = std::chrono::seconds(60),
           caf::timespan grace = client_result_grace);

  /// Most jobs per message.
  static constexpr size_t max_batch_jobs = 128;

  /// Bytes per message (roughly): far below the smallest message limit a
  /// node can have (1 MiB plus its max-job-bytes). A larger job travels
  /// alone.
  static constexpr size_t max_batch_bytes = 256 * 1024;

  /// Runs one job and returns its result.
  job_result submit(job j,
                    caf::timespan default_timeout = std::chrono::seconds(60));

  /// Starts `j` as a detached job, which goes on when this client goes
  /// away; answers its id ("<number>-<run>@<member>").
  [[nodiscard]] caf::expected<std::string>
  submit_detached(const job& j, caf::timespan timeout);

  /// A detached job's result once it ended, or none when it has not ended
  /// within `wait`; an unknown or expired id (or another token's job) is
  /// `error_code::rejected` saying so.
  [[nodiscard]] caf::expected<std::optional<job_result>>
  result(const std::string& id, caf::timespan wait);

  /// Cancels detached jobs by id, at whichever member holds them; answers
  /// how many had not ended (unknown ids and ended jobs count none).
  [[nodiscard]] caf::expected<uint32_t>
  cancel(const std::vector<std::string>& ids, caf::timespan timeout);

  /// Stops a `run` (or `submit`) in progress; thread-safe, e.g. called from
  /// a thread that waits for Ctrl-C. The node cancels the jobs in flight,
  /// which end CANCELLED unless they finished first (the node says which);
  /// jobs not sent yet end CANCELLED without being sent; `run` returns once
  /// every job is answered, or after `cancel_grace` at most, when the call
  /// itself is cancelled. Also stops every later `run` at once.
  void interrupt();

  /// How long an interrupted `run` waits for the node to confirm.
  static constexpr auto cancel_grace = std::chrono::seconds(3);

  /// "HOST:PORT" of the node.
  const std::string& address() const;

  /// Opaque: the channel, the job stream and what `interrupt` shares with
  /// `run`.
  struct state;

 private:
  explicit client(std::unique_ptr<state> st);

  std::unique_ptr<state> state_;
};

} // namespace troupe::client
