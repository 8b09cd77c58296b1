#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe::test {

/// What a finished command printed and how it exited.
struct command_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs the `troupe` binary with `args` (no shell), feeding `input` on stdin,
/// and kills it if it runs longer than `limit`.
command_result
run_troupe(const std::vector<std::string>& args, const std::string& input = {},
           std::chrono::seconds limit = std::chrono::seconds(60));

/// A real `troupe node` process on 127.0.0.1 with OS-chosen ports (its
/// client port and its cluster port). The constructor waits (bounded) until
/// the node listens on both; the destructor stops it by PID: SIGTERM, then
/// SIGKILL if it has not exited after 5 s.
class node_process {
 public:
  explicit node_process(std::vector<std::string> extra_args = {});
  ~node_process();

  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  /// True once the node wrote its port file.
  bool ready() const {
    return port_ != 0;
  }

  /// The client (gRPC) port.
  uint16_t port() const {
    return port_;
  }

  /// The port other members reach it on, for `--join` and `--advertise`.
  uint16_t cluster_port() const {
    return cluster_port_;
  }

  pid_t pid() const {
    return pid_;
  }

  /// "HOST:<port>" (127.0.0.1 unless the test gave --host), for --node.
  std::string address() const;

  /// "HOST:<cluster port>", for --join.
  std::string cluster_address() const;

  /// `--port P --cluster-port C` with this node's ports, for a node taking
  /// its place (a restart).
  std::vector<std::string> same_ports() const;

  /// Runs `troupe <args...> --node <address>`.
  command_result cli(std::vector<std::string> args,
                     const std::string& input = {}) const;

  /// Sends `sig` and waits (bounded) for the process to exit; returns its
  /// exit status as from waitpid, or -1 if it did not exit in time.
  int stop(int sig, std::chrono::seconds limit = std::chrono::seconds(10));

  /// What the node wrote to stderr (its log) so far.
  std::string log() const;

  /// Sends `sig` without waiting (SIGSTOP / SIGCONT to simulate a hung
  /// node).
  void signal(int sig) const;

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t cluster_port_ = 0;
  /// Where the node listens (127.0.0.1 unless the test says).
  std::string host_ = "127.0.0.1";
  std::string dir_;
};

/// The troupe binary under test.
std::string troupe_binary();

} // namespace troupe::test
