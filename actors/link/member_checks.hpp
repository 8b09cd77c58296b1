#pragma once

#include "actors/rpc/peer_identity.hpp"

#include <set>
#include <string>

#include "troupe/members/v1/members.pb.h"

// What a node checks in what another member says, as plain functions (the
// link registry and the link actors apply them; the link fuzz target and
// unit tests call them directly). Each answers "" when all is well, or why
// not, for a person.
namespace troupe::link {

/// How this node takes other members.
struct member_rules {
  /// This node's own member name (a peer may not take it).
  std::string own_name;
  /// Links use mutual TLS: the peer's certificate must name it.
  bool tls = false;
  /// Certificate serials refused although valid (upper-case hex).
  std::set<std::string> denied_serials;
};

/// The protocol version of `troupe.members.v1` this build speaks.
inline constexpr uint32_t member_protocol_version = 1;

/// Whether `first`, a stream's first frame, may open a link with the peer
/// `who` (its verified certificate, if any).
std::string hello_problem(const members::v1::Frame& first,
                          const member_rules& rules,
                          const rpc::peer_identity& who);

/// Whether `cluster_message` (a serialized troupe.wire.ClusterMessage)
/// comes from `peer` itself: its sender, and the member that joins or
/// leaves, must be `peer`. Bytes that do not decode pass (the membership
/// answers them as malformed).
std::string sender_problem(const std::string& peer,
                           const std::string& cluster_message);

} // namespace troupe::link
