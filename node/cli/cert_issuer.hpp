#pragma once

#include <caf/error.hpp>

#include <string>
#include <vector>

// Certificates for a troupe cluster, made with OpenSSL's libcrypto: a
// cluster CA, and member or client certificates it signs (`troupe certs`).
namespace troupe::cli {

/// What a certificate is for. A member's serves the client door and both
/// ends of member links (serverAuth and clientAuth); a client's only
/// authenticates a client (clientAuth). Each also names its holder and kind
/// in a URI of its subject alternative names, `troupe://member/NAME` or
/// `troupe://client/NAME`, so that a client's certificate can never pass
/// for a member's.
enum class cert_kind { member, client };

/// A certificate to issue.
struct cert_request {
  /// Its holder: the member's name, or the client's. Letters, digits and
  /// `.`, `_`, `-`, `:`; at most 128 bytes.
  std::string name;
  /// Addresses and DNS names it is valid for (subject alternative names):
  /// every address clients and members dial. Empty for a member named
  /// HOST:PORT: that HOST.
  std::vector<std::string> hosts;
  cert_kind kind = cert_kind::member;
  /// Valid for this many days from now.
  int days = 825;
};

/// The URI naming `name` of `kind` in a certificate.
std::string identity_uri(cert_kind kind, const std::string& name);

/// Why `name` cannot name a certificate's holder, or empty when it can.
std::string check_holder_name(const std::string& name);

/// Makes a new cluster CA in `dir` (created when missing, mode 0700):
/// `ca.key` (mode 0600) and `ca.pem`, named `ca_name`, valid for `days`.
/// Refuses a directory that holds a CA already.
[[nodiscard]] caf::error init_authority(const std::string& dir,
                                        const std::string& ca_name, int days);

/// Issues `dir/NAME.pem` and `dir/NAME.key` (mode 0600), signed by the CA
/// in `dir`: an ECDSA P-256 key, SHA-256 signature. Refuses a name that
/// has files in `dir` already.
[[nodiscard]] caf::error issue_certificate(const std::string& dir,
                                           const cert_request& req);

} // namespace troupe::cli
