#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

// The TCP sockets a process holds, read from /proc: what a test needs to
// check which ports a node listens on and how many connections it keeps.
namespace troupe::test {

struct tcp_socket {
  uint16_t local_port = 0;
  uint16_t remote_port = 0;
  bool listening = false;
  bool established = false;
};

/// Every TCP socket (IPv4 and IPv6) `pid` has open.
std::vector<tcp_socket> tcp_sockets_of(pid_t pid);

/// The ports `pid` listens on, sorted.
std::vector<uint16_t> listening_ports(pid_t pid);

/// Lets this process hold at least `n` descriptors (as far as its hard
/// limit allows), for tests that open thousands of connections.
void allow_own_descriptors(size_t n);

/// Lowers the descriptor limit of process `pid` to `n` (with prlimit);
/// false when that failed.
bool limit_descriptors(pid_t pid, size_t n);

} // namespace troupe::test
