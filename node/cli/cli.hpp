#pragma once

#include "messages/job.hpp"
#include "node/client/client.hpp"

#include <caf/expected.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

// The `troupe` command line: one file per subcommand, this header for what
// they share. Exit codes are part of the contract users and scripts rely on.
namespace troupe::cli {

enum exit_code : int {
  exit_ok = 0,
  exit_job_failed = 1,
  exit_usage = 2,
  exit_unreachable = 3,
  exit_timeout = 4,
};

/// A parsed subcommand, ready to run; returns the process exit code.
using command_runner = std::function<int()>;

/// Each registers its subcommand on `app` and returns it with its runner.
std::pair<CLI::App*, command_runner> add_node_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_submit_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_skills_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_status_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_bench_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_breaker_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_crash_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_drain_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_result_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_cancel_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_tokens_command(CLI::App& app);
std::pair<CLI::App*, command_runner> add_certs_command(CLI::App& app);

/// Parses argv and runs the chosen subcommand.
int run(int argc, char** argv);

/// A node address, "HOST:PORT" (default 127.0.0.1:4710).
struct endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 4710;
};

[[nodiscard]] caf::expected<endpoint> parse_endpoint(const std::string& str);

/// The node a client command talks to and how: `--node H:P`,
/// `--connect-timeout D`, `--token T` and the TLS files.
struct node_target {
  std::string node;
  std::string connect_timeout;
  std::string token;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

/// Adds the shared `--node H:P`, `--connect-timeout D`, `--token T`
/// (default: $TROUPE_TOKEN), `--tls-ca F`, `--tls-cert F` and `--tls-key F`
/// options.
void add_node_option(CLI::App& sub, node_target& target);

/// Prints `troupe: <message>` to stderr and returns `code`.
int fail(int code, const std::string& message);

/// Prints why a node refused or did not answer a command and returns the
/// exit code that says so: 2 refused, 4 no answer in time, 3 unreachable.
int fail_command(const caf::error& err);

/// Connects to the node named by `--node`, waiting at most
/// `--connect-timeout` (default 5 s) for it to answer; on failure prints the
/// reason and sets `exit` to 2 (a bad address, timeout value or TLS file) or
/// 3 (unreachable).
caf::expected<client::client> connect(const node_target& target, int& exit);

/// Connects to the node of `target`, makes one control call (`call(client)`
/// gives a `caf::expected`) and hands its answer to `show`, which returns
/// the exit code; a failed connection or call prints why and gives its exit
/// code (see `connect` and `fail_command`).
template <class Call, class Show>
int run_control(const node_target& target, Call&& call, Show&& show) {
  int exit = exit_ok;
  auto c = connect(target, exit);
  if (!c)
    return exit;
  auto answer = call(*c);
  if (!answer)
    return fail_command(answer.error());
  return show(*answer);
}

/// Prints a job's result as `troupe submit` does (the output on stdout,
/// an error on stderr, or with `json` the whole record) and returns the
/// exit code for its status.
int show_result(const job_result& r, bool json);

/// The whole result record as one JSON object.
std::string to_json(const job_result& r);

/// What `troupe submit --jobs FILE` needs.
struct bulk_submit_options {
  node_target node;
  /// A JSONL file, or "-" for stdin.
  std::string file;
  uint64_t concurrency = 64;
  bool json = false;
};

/// Runs every job of a JSONL file through a client, at most `concurrency`
/// in flight; returns the exit code (1 when any line failed).
int run_bulk_submit(const bulk_submit_options& opts);

/// A skill's breaker as one JSON object (`troupe status --json`,
/// `troupe breaker --json`).
std::string breaker_json(const breaker_status& b);

/// Prints breakers as a table: state, window figures, time until
/// half-open, rejections, retries, trips and fallback.
void print_breakers(const std::vector<breaker_status>& all);

/// The exit code for a job's terminal status.
int exit_code_for(job_status st);

/// The health part of `troupe status --json`: score, whether the node is
/// draining, active alerts and restarts per child.
std::string health_json(const node_status& st);

/// The health part of `troupe status`: score, alerts, and restarts per
/// subtree and child.
void print_health(const node_status& st);

} // namespace troupe::cli
