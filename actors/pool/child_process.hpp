#pragma once

#include <caf/expected.hpp>

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace troupe::pool {

/// How to start a worker process: a program run directly (never through a
/// shell) with its arguments, extra environment and working directory.
struct process_spec {
  /// The program: a path (relative ones are relative to `workdir`) or a
  /// name looked up on PATH (see `resolve_command`).
  std::string command;
  std::vector<std::string> args;
  /// Added to, or replacing values of, the node's environment.
  std::map<std::string, std::string> env;
  /// Empty: the node's working directory.
  std::string workdir;
};

/// A started child process and the parent's ends of its stdin, stdout and
/// stderr pipes (close-on-exec, so no other child inherits them).
struct child_process {
  pid_t pid = -1;
  int in = -1;
  int out = -1;
  int err = -1;
};

/// Forks and executes `spec` in a process group of its own, with SIGPIPE
/// and the signal mask reset and every other file descriptor closed; the
/// child gets SIGKILL if the calling thread ends (call it from the thread
/// that looks after the child). Fails with `error_code::process_start_failed`
/// naming the program and the reason (including a failed exec, which the
/// child reports through a pipe).
[[nodiscard]] caf::expected<child_process>
start_child(const process_spec& spec);

/// "exited with code 3", "was killed by signal 9 (SIGKILL)": a wait status
/// in words.
std::string describe_exit(int wait_status);

} // namespace troupe::pool
