#pragma once

#include <caf/expected.hpp>

#include <string>

namespace troupe::rpc {

/// The PEM text of a server's certificate, key and the CA of its peers'
/// certificates, read and checked at start, so that a bad file stops the
/// node with its name instead of failing every handshake later.
struct tls_material {
  std::string cert;
  std::string key;
  /// Empty: peers need no certificate.
  std::string ca;

  bool enabled() const {
    return !cert.empty();
  }
};

/// Which files to read, and the options that named them (for errors).
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
  std::string cert_option = "--tls-cert";
  std::string key_option = "--tls-key";
  std::string ca_option = "--tls-ca";
};

/// Reads the files; no certificate named gives no TLS. A file that cannot
/// be read, or holds no PEM certificate (or key) OpenSSL can parse, gives
/// `error_code::invalid_config` naming the option and the file.
[[nodiscard]] caf::expected<tls_material> load_tls(const tls_files& files);

} // namespace troupe::rpc
