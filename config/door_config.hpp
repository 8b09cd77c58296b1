#pragma once

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::config {

class config_reader;

/// The client door (gRPC on `--port`): TLS, tokens and the limits every
/// connection is held to.
struct door_config {
  /// PEM files of the node's certificate and key: TLS on the client port.
  std::string tls_cert;
  std::string tls_key;
  /// PEM file of the CA that signs client certificates: with it, clients
  /// must present one (mutual TLS).
  std::string tls_ca;
  /// The tokens file (actors/door/tokens.hpp): with it, every call needs a
  /// bearer token of a sufficient role.
  std::string tokens;
  /// Listen on a non-loopback address without TLS and tokens.
  bool insecure = false;
  /// Connections served at once; more are closed at once, well before the
  /// process runs out of file descriptors (gRPC's listener never recovers
  /// from that).
  uint32_t max_connections = 1000;
  /// Calls one connection may have open at once.
  uint32_t max_streams = 100;
  /// A connection that has not completed its handshake by then is closed.
  caf::timespan handshake_timeout = std::chrono::seconds(10);
  /// A connection without calls for this long is closed.
  caf::timespan idle_timeout = std::chrono::minutes(5);
  /// Memory gRPC may use for connections and their buffers.
  uint64_t memory = uint64_t{512} << 20;
  /// How long the result of a detached (or idempotency-keyed) job is kept
  /// once it ended, and how many bytes such results may take at most.
  caf::timespan result_retention = std::chrono::minutes(10);
  uint64_t result_bytes = uint64_t{256} << 20;
};

/// Reads a file name at `key`; a relative one is relative to `base_dir`.
void read_path(config_reader& section, std::string_view key, std::string& out,
               const std::string& base_dir);

/// Reads the `[tls]` section (cert, key, ca) over `cfg`; relative paths
/// are relative to `base_dir`, the config file's folder.
void read_tls_section(config_reader& section, door_config& cfg,
                      const std::string& base_dir);

/// Reads the `[door]` section (tokens, insecure, max-connections,
/// max-streams, handshake-timeout, idle-timeout, memory, result-retention,
/// result-bytes) over `cfg`.
void read_door_section(config_reader& section, door_config& cfg,
                       const std::string& base_dir);

/// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

/// Checks that TLS names both a certificate and a key, and that a node on a
/// non-loopback `host` has TLS and tokens unless it is `insecure`; the
/// error says why.
[[nodiscard]] caf::error check_door(const door_config& cfg,
                                    const std::string& host);

} // namespace troupe::config
