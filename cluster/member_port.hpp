#pragma once

#include "actors/link/member_stream.hpp"
#include "actors/rpc/call_queue.hpp"
#include "actors/rpc/connection_gate.hpp"
#include "actors/rpc/server_limits.hpp"
#include "actors/rpc/tls_material.hpp"
#include "cluster/member_links.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace troupe::cluster {

/// The limits every connection to a cluster port is held to: those of
/// any gRPC server of the node, tighter where members need less than
/// clients (a member opens one stream; there are few of them).
struct member_port_limits : rpc::server_limits {
  member_port_limits() {
    max_connections = 512;
    reserved_fds = 64;
    max_concurrent_streams = 4;
    resource_quota_bytes = int64_t{256} << 20;
    // A dead member is noticed by its link well before down-after.
    keepalive_time = std::chrono::seconds(10);
    min_peer_ping_interval = std::chrono::seconds(5);
  }
};

/// What a cluster port is started with.
struct member_port_config {
  /// Listen on host:port for members; false: this node only dials (a node
  /// embedded without ports).
  bool listen = true;
  std::string host;
  uint16_t port = 0;
  /// The member certificate, its key and the cluster CA; none: plaintext
  /// (`--insecure`).
  rpc::tls_material tls;
  member_port_limits limits;
};

/// A node's cluster port: the gRPC server of the member protocol, the
/// completion queue and thread ("troupe.links") that every member stream
/// of the node lives on, accepted or dialled, and the credentials this
/// node dials members with.
class member_port {
 public:
  [[nodiscard]] static caf::expected<std::unique_ptr<member_port>>
  start(const member_port_config& cfg);

  ~member_port();

  member_port(const member_port&) = delete;
  member_port& operator=(const member_port&) = delete;

  /// The port listened on (0 when not listening).
  uint16_t port() const {
    return port_;
  }

  /// Spawns the node's link registry and starts taking member streams.
  links_actor open(caf::actor_system& sys, member_links_config cfg);

  /// Ends every stream and stops serving, waiting at most `grace` for
  /// the streams to end.
  void stop(std::chrono::milliseconds grace);

 private:
  member_port() = default;

  member_port_config cfg_;
  link::mv1::Member::AsyncService service_;
  std::unique_ptr<rpc::connection_gate> gate_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<rpc::call_queue> queue_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  link::stream_set_ptr streams_ = std::make_shared<link::stream_set>();
  links_actor registry_;
  uint16_t port_ = 0;
};

} // namespace troupe::cluster
