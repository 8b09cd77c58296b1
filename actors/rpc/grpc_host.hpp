#pragma once

#include "actors/rpc/call_queue.hpp"
#include "actors/rpc/connection_gate.hpp"
#include "actors/rpc/server_limits.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace troupe::rpc {

/// One gRPC server of a node with its ports, and the completion queue and
/// thread (`call_queue`) that every call of the server lives on, the
/// calls this node dials too. A node serves its door and its cluster port
/// from one host whenever their calls can be told apart (`port_guard`),
/// so a single thread reads, runs the actors a message makes ready and
/// writes, for clients and members alike: a job that crosses members
/// costs no hand-off between threads, which on a virtual machine costs
/// more than the job.
///
/// Use: add ports and services, `start`, then `open_port` each port once
/// what serves it is ready; `stop` ends every call.
class grpc_host {
 public:
  /// `limits` hold for every connection of every port, but for the
  /// connection caps, which are per port; `name` names the thread and the
  /// resource quota.
  grpc_host(server_limits limits, std::string name);

  /// Stops the server if it still runs.
  ~grpc_host();

  grpc_host(const grpc_host&) = delete;
  grpc_host& operator=(const grpc_host&) = delete;

  /// Listens on host:port (0: a free port) at once, with at most
  /// `max_connections` connections and `reserved_fds` descriptors kept
  /// free; connections go to gRPC, with `creds`, once the port opens.
  /// The port's index.
  [[nodiscard]] caf::expected<size_t>
  add_port(const std::string& host, uint16_t port, size_t max_connections,
           size_t reserved_fds, std::string what,
           std::shared_ptr<grpc::ServerCredentials> creds);

  /// Serves `service` (on the queue: an async service); before `start`.
  void add_service(grpc::Service* service);

  /// Builds and starts the server and its thread.
  [[nodiscard]] caf::error start();

  /// The queue every call lives on (after `start`).
  call_queue& queue() {
    return *queue_;
  }

  /// The port number of port `i`.
  uint16_t port(size_t i) const {
    return ports_[i].gate->port();
  }

  /// Connections port `i` refused so far (over a limit).
  uint64_t refused(size_t i) const {
    return ports_[i].gate->refused();
  }

  /// How a listening port fares.
  struct listener_state {
    std::string what;
    uint64_t refused = 0;
    bool accepting = true;
  };

  /// Every port's listener as it is now (any thread).
  std::vector<listener_state> listeners() const;

  /// Port `i` hands its connections to gRPC from now on.
  void open_port(size_t i);

  /// Port `i` takes no more connections (those open stay).
  void close_port(size_t i);

  /// Stops the server: calls in progress get `grace` to end, then are
  /// cancelled; waits until the queue drained.
  void stop(std::chrono::milliseconds grace);

  /// A channel to this server's services from inside the process (after
  /// `start`): no socket, no port credentials, the server's own limits on
  /// what it receives. For front ends in the node that speak another
  /// protocol outside (HTTP) and the client API inside.
  std::shared_ptr<grpc::Channel> in_process_channel();

 private:
  struct port_entry {
    std::unique_ptr<connection_gate> gate;
    std::shared_ptr<grpc::ServerCredentials> creds;
    std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor;
  };

  server_limits limits_;
  std::string name_;
  std::vector<port_entry> ports_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<call_queue> queue_;
};

/// Limits for one server that serves the ports of both `a` and `b`: the
/// larger of each size and timeout, the sum of the memory, the more
/// frequent of the pings.
server_limits combined(const server_limits& a, const server_limits& b);

} // namespace troupe::rpc
