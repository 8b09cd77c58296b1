#pragma once

#include <caf/expected.hpp>

#include <grpcpp/server_builder.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace troupe::rpc {

/// A gRPC server's own listening socket (the door's, a member's): it accepts
/// connections and hands them to gRPC, counting them, because gRPC 1.51 has no
/// connection limit and its own listener stops for good once the process runs
/// out of file descriptors. A connection beyond `max_connections`, or one that
/// would leave fewer than `reserved_fds` descriptors free for the rest of the
/// node (worker processes, files, members), is closed at once; running out
/// of descriptors anyway only pauses accepting, and the listener goes on
/// when some are free again.
class connection_gate {
 public:
  /// Binds and listens on host:port (0: a free port); `what` names the
  /// port in log lines ("door", "cluster port").
  [[nodiscard]] static caf::expected<std::unique_ptr<connection_gate>>
  listen(const std::string& host, uint16_t port, size_t max_connections,
         size_t reserved_fds, std::string what);

  ~connection_gate();

  connection_gate(const connection_gate&) = delete;
  connection_gate& operator=(const connection_gate&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// Starts handing accepted connections to `acceptor` (a server's).
  void start(
    std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor);

  /// Stops accepting and closes the listening socket.
  void stop();

  /// Connections refused so far (over a limit, or no descriptor left).
  uint64_t refused() const {
    return refused_;
  }

  /// False while accepting fails for want of file descriptors.
  bool accepting() const {
    return accepting_;
  }

  /// What the port is, for people ("door", "cluster port").
  const std::string& what() const {
    return what_;
  }

 private:
  connection_gate() = default;

  void run();
  /// Whether another connection may be handed over: drops those gRPC
  /// closed since the last look.
  bool room_for_one();

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  size_t max_connections_ = 0;
  size_t reserved_fds_ = 0;
  std::string what_;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::thread thread_;
  /// Connections handed to gRPC: descriptor and the socket's inode, which
  /// tells whether the descriptor still is that connection.
  std::vector<std::pair<int, uint64_t>> open_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<bool> accepting_{true};
};

} // namespace troupe::rpc
