#pragma once

#include <grpcpp/security/auth_context.h>

#include <memory>
#include <string>

namespace troupe::rpc {

/// Who is at the other end of a TLS connection, as its verified
/// certificate says (gRPC verified the chain against the CA before any
/// call). troupe's certificates name their holder in a URI SAN:
/// troupe://member/NAME for a member, troupe://client/NAME for a client
/// (`troupe certs`).
struct peer_identity {
  /// Whether the connection carried a verified certificate at all.
  bool verified = false;
  /// The member name of a member certificate; empty for any other.
  std::string member;
  /// The client name of a client certificate; empty for any other.
  std::string client;
  /// The certificate's serial number, upper-case hex without leading
  /// zeros (as `openssl x509 -serial` prints it), for deny-lists.
  std::string serial;
  /// Extended key usages: a member certificate serves both sides of a
  /// link, so it needs both.
  bool server_auth = false;
  bool client_auth = false;

  /// Whether this is a member's certificate: the member URI and both
  /// key usages.
  bool is_member() const {
    return verified && !member.empty() && server_auth && client_auth;
  }
};

/// Reads the identity from a PEM certificate; `verified` stays false when
/// it does not parse.
peer_identity identity_of_pem(const std::string& pem);

/// The identity of the peer of a call (`ctx.auth_context()`), or an
/// unverified one on a plaintext connection.
peer_identity identity_of(const std::shared_ptr<const grpc::AuthContext>& auth);

/// A sentence for logs: "member NAME (serial S)", "client NAME ...", "no
/// certificate".
std::string describe(const peer_identity& who);

} // namespace troupe::rpc
