#pragma once

#include "messages/member.hpp"

#include <caf/expected.hpp>

#include <string>
#include <vector>

// Converts cluster membership messages to and from the wire schema
// (`ClusterMessage` / `ClusterReply` in messages/wire/troupe.proto).
namespace troupe::wire::member_codec {

/// What one membership sends another.
struct cluster_message {
  enum kind_t { join, gossip, leave };
  kind_t kind = gossip;
  std::string from;
  uint64_t from_incarnation = 0;
  /// join and leave: the sender's own record; gossip: its whole view.
  std::vector<member> members;
};

/// The answer: the receiver's view, or why it refused a join.
struct cluster_reply {
  bool refused = false;
  std::string reason;
  std::vector<member> members;
};

std::string encode(const cluster_message& x);

/// Malformed bytes, another protocol version or a message without a kind
/// give `malformed_message` / `protocol_mismatch`.
[[nodiscard]] caf::expected<cluster_message>
decode_message(const std::string& bytes);

std::string encode(const cluster_reply& x);

[[nodiscard]] caf::expected<cluster_reply>
decode_reply(const std::string& bytes);

} // namespace troupe::wire::member_codec
