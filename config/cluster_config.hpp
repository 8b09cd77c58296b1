#pragma once

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace troupe::config {

class config_reader;

/// How a node takes part in a cluster.
struct cluster_config {
  /// HOST:PORT of seed nodes to join through; empty = start a new cluster.
  std::vector<std::string> seeds;
  /// How often a node sends its view (its heartbeat) to every peer.
  caf::timespan heartbeat_interval = std::chrono::milliseconds(250);
  /// A peer not heard from for this long is declared down.
  caf::timespan down_after = std::chrono::milliseconds(1500);
  /// Down and departed members are forgotten after this long.
  caf::timespan forget_after = std::chrono::seconds(60);
  /// How long joining may take before the node gives up.
  caf::timespan join_timeout = std::chrono::seconds(10);
  /// Batching of the jobs this node sends to each peer: at most this many
  /// jobs or bytes per message (1 turns batching off), waiting at most
  /// `link_max_linger` for company (learned: zero unless it pays).
  uint64_t link_max_count = 128;
  uint64_t link_max_bytes = 1 << 20;
  caf::timespan link_max_linger = std::chrono::milliseconds(2);
  /// After sending jobs to a peer, the links' thread polls for their
  /// results this long instead of sleeping (zero: it sleeps at once).
  caf::timespan link_reply_poll = std::chrono::microseconds(100);
  /// Mutual TLS between members: this node's member certificate (`troupe
  /// certs issue DIR NAME`), its key and the cluster CA. None: plaintext,
  /// allowed on loopback or with `--insecure` only.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  /// Serials of member certificates refused although valid (hex, as
  /// `openssl x509 -serial` prints them): members shut out before their
  /// certificates expire.
  std::vector<std::string> deny_serials;
};

/// Reads the `[cluster]` section (seeds, heartbeat-interval, down-after,
/// forget-after, join-timeout, link-max-count, link-max-bytes,
/// link-max-linger, link-reply-poll, tls-cert, tls-key, tls-ca,
/// deny-serials) over `cfg`;
/// relative paths are relative to `base_dir`; problems go to the reader.
void read_cluster_section(config_reader& section, cluster_config& cfg,
                          const std::string& base_dir);

/// Checks that member TLS names certificate, key and CA together, that
/// denied serials are hex, and that a node on a non-loopback `host` uses
/// TLS between members unless `insecure`; the error says why.
[[nodiscard]] caf::error check_cluster(const cluster_config& cfg,
                                       const std::string& host, bool insecure);

/// A certificate serial as troupe compares them: upper-case hex without
/// leading zeros; empty when `text` is not hex.
std::string normalized_serial(const std::string& text);

/// Splits a comma-separated `--join` value into HOST:PORT seeds; an entry
/// that is not HOST:PORT with a port in 1..65535 is an error.
[[nodiscard]] caf::expected<std::vector<std::string>>
parse_seeds(const std::string& str);

} // namespace troupe::config
