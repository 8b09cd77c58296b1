#pragma once

#include "config/door_config.hpp"

#include <caf/expected.hpp>

#include <string>

namespace troupe::door {

/// The PEM text of the door's certificate, key and client CA, read and
/// checked at start, so that a bad file stops the node with its name
/// instead of failing every handshake later.
struct tls_material {
  std::string cert;
  std::string key;
  /// Empty: clients need no certificate.
  std::string ca;

  bool enabled() const {
    return !cert.empty();
  }
};

/// Reads the files `cfg` names; none named gives no TLS. A file that cannot
/// be read, or holds no PEM certificate (or key) OpenSSL can parse, gives
/// `error_code::invalid_config` naming it.
[[nodiscard]] caf::expected<tls_material>
load_tls(const config::door_config& cfg);

} // namespace troupe::door
