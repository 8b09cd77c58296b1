#pragma once

#include "actors/rpc/tls_material.hpp"

#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <string>
#include <vector>

namespace troupe::rpc {

/// Stands at one port of a gRPC server that serves several (a node's door
/// and its cluster port share one server): gRPC runs it on every call of
/// the port before any service sees the call. It marks the call with the
/// port's name, which no peer can forge (`came_through`), and refuses a
/// call for a service the port does not offer (UNIMPLEMENTED, saying so).
class port_guard final : public grpc::AuthMetadataProcessor {
 public:
  /// `services`: the full names the port offers ("troupe.members.v1.Member").
  port_guard(std::string port, const std::vector<std::string>& services);

  bool IsBlocking() const override {
    return false; // runs inline: no thread hand-off per call
  }

  grpc::Status Process(const InputMetadata& metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_metadata,
                       OutputMetadata* response_metadata) override;

  /// Whether a call for method path `path` ("/pkg.Service/Method") may come
  /// through this port.
  bool offers(const std::string& path) const;

 private:
  std::string port_;
  /// "/pkg.Service/" for each service offered.
  std::vector<std::string> prefixes_;
};

/// Credentials for a port whose calls carry its name: TLS (mutual with a
/// CA) when `tls` is enabled, else plaintext on a port bound to 127.0.0.1
/// or ::1 (`local_address`: gRPC's local credentials, which check the
/// address a connection arrived at, and which plaintext clients connect to
/// as to any plaintext port). Null for plaintext elsewhere, which gRPC
/// cannot mark: such a port needs a server of its own.
std::shared_ptr<grpc::ServerCredentials>
guarded_credentials(const tls_material& tls, bool local_address,
                    std::string port, const std::vector<std::string>& services);

/// Whether a port bound to `host` has 127.0.0.1 or ::1 as its address.
bool is_local_address(const std::string& host);

/// Whether the call of `ctx` came through the guarded port `port`.
bool came_through(const grpc::ServerContextBase& ctx, const std::string& port);

} // namespace troupe::rpc
