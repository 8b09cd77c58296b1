#pragma once

#include "tests/support/node_process.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

// Looking at processes from the outside (/proc), for tests of process
// skills: a node's children, its open descriptors, zombies; and commands
// running in the background that a test can interrupt.
namespace troupe::test {

/// The live children of `parent` (zombies included), by pid.
std::vector<pid_t> children_of(pid_t parent);

/// Whether `pid` exists and is not a zombie.
bool running(pid_t pid);

/// Whether `pid` exists as a zombie (ended, not reaped).
bool zombie(pid_t pid);

/// Open file descriptors of `pid` (-1 when it cannot be read).
int open_fds(pid_t pid);

/// Polls `pred` every few milliseconds until it holds or `limit` passed.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds limit = std::chrono::seconds(15));

/// The path of troupe's test worker (tests/worker/test_worker.cpp).
std::string test_worker();

/// A config file registering the test worker as process skill `work`,
/// with `keys` added to its section.
std::string work_conf(const std::string& keys);

/// A `troupe` command running in the background (stdout and stderr go to
/// files), so that a test can interrupt it. The destructor kills it if it
/// still runs.
class cli_process {
 public:
  explicit cli_process(const std::vector<std::string>& args);
  ~cli_process();

  cli_process(const cli_process&) = delete;
  cli_process& operator=(const cli_process&) = delete;

  pid_t pid() const {
    return pid_;
  }

  void signal(int sig) const;

  /// Waits (bounded) for it to exit; exit_code stays -1 when it did not
  /// exit in time or ended by a signal.
  command_result wait(std::chrono::seconds limit = std::chrono::seconds(20));

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

} // namespace troupe::test
