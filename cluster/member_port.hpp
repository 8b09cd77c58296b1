#pragma once

#include "actors/link/member_stream.hpp"
#include "actors/rpc/grpc_host.hpp"
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
  /// Whether `host` is 127.0.0.1 or ::1, where a plaintext port can mark
  /// its calls (`rpc::guarded_credentials`).
  bool local_address = false;
  /// The member certificate, its key and the cluster CA; none: plaintext
  /// (`--insecure`).
  rpc::tls_material tls;
  member_port_limits limits;
};

/// A node's cluster port: the member protocol's port and service on a gRPC
/// server of the node (`rpc::grpc_host`), whose queue and thread every
/// member stream of the node lives on, accepted or dialled, and the
/// credentials this node dials members with.
class member_port {
 public:
  /// The credentials the port takes members with: they mark each call as
  /// come through the cluster port and refuse any other service, so the
  /// port may share its server with the door; null when calls cannot be
  /// marked (plaintext on another address than 127.0.0.1 or ::1), and the
  /// port needs a server of its own.
  static std::shared_ptr<grpc::ServerCredentials>
  guarded_credentials(const member_port_config& cfg);

  /// Adds the cluster port (when listening) and the member service to
  /// `server`, which has not started yet.
  [[nodiscard]] static caf::expected<std::unique_ptr<member_port>>
  prepare(const member_port_config& cfg, rpc::grpc_host& server);

  ~member_port();

  member_port(const member_port&) = delete;
  member_port& operator=(const member_port&) = delete;

  /// The port listened on (0 when not listening).
  uint16_t port() const;

  /// Connections the port refused so far (over a limit).
  uint64_t refused() const;

  /// Spawns the node's link registry and starts taking member streams,
  /// once the server started.
  links_actor open(caf::actor_system& sys, member_links_config cfg);

  /// Takes no more connections, stops the registry and ends every stream;
  /// the server stops after.
  void close();

 private:
  member_port() = default;

  member_port_config cfg_;
  rpc::grpc_host* server_ = nullptr;
  size_t port_index_ = 0;
  /// Streams must show that they came through the cluster port: the
  /// server serves the door too.
  bool guarded_ = false;
  link::mv1::Member::AsyncService service_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  link::stream_set_ptr streams_ = std::make_shared<link::stream_set>();
  links_actor registry_;
};

} // namespace troupe::cluster
