#pragma once

#include "actors/rpc/tls_material.hpp"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace troupe::rpc {

/// The limits every connection to one of a node's gRPC servers (the
/// door, the cluster port) is held to, from the hostile-input notes on
/// gRPC 1.51: it has no connection limit of its own, keeps idle
/// connections forever and streams unlimited unless told.
struct server_limits {
  /// Largest message a peer may send; larger ones are refused before they
  /// are buffered (RESOURCE_EXHAUSTED).
  uint64_t max_message_bytes = 64 * 1024 * 1024;
  /// Calls (streams) one connection may have open at once.
  int max_concurrent_streams = 100;
  /// Connections served at once (see `connection_gate`).
  size_t max_connections = 1000;
  /// File descriptors kept free for the rest of the node: a connection
  /// that would take one of them is refused.
  size_t reserved_fds = 128;
  /// A connection that has not completed its handshake by then is closed.
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  /// A connection without calls for this long is closed.
  std::chrono::milliseconds max_connection_idle = std::chrono::minutes(5);
  /// Memory gRPC may use for connections and buffers; under pressure it
  /// sheds connections rather than growing.
  int64_t resource_quota_bytes = int64_t{512} << 20;
  /// How often a quiet connection is pinged (a dead peer is noticed), and
  /// how often a peer may ping before it is cut off.
  std::chrono::milliseconds keepalive_time = std::chrono::seconds(30);
  std::chrono::milliseconds min_peer_ping_interval = std::chrono::seconds(10);
};

/// Sets `lim` on a server about to be built; `quota_name` names its
/// resource quota.
void apply_limits(grpc::ServerBuilder& builder, const server_limits& lim,
                  const std::string& quota_name);

/// Plaintext without TLS material; TLS with it, and mutual TLS (peers must
/// present a certificate of `tls.ca`) when it names a CA.
std::shared_ptr<grpc::ServerCredentials>
server_credentials(const tls_material& tls);

} // namespace troupe::rpc
