#pragma once

#include "actors/link/member_stream.hpp"
#include "messages/interfaces.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::link {

/// The actor of one link to another member: it stands for that member's
/// gateway on this node, and bridges this node's actors to the link's gRPC
/// stream both ways.
///
/// Outbound, actors send it what they sent a peer's gateway before
/// (`as_gateway` gives the handle they keep): job batches and
/// cancellations of a sink (a batcher), membership messages, detached-job
/// lookups; requests come back as the peer's answers. Inbound, the peer's
/// batches go to this node's gateway with a relay actor per peer sink as
/// their client, so results flow back over the same stream; its calls are
/// answered from the gateway. When the stream breaks, the link ends with
/// `remote_link_unreachable`, which is what CAF's proxies said of a lost
/// connection: whoever watches it (membership, batchers, lookups) fails
/// over at once. The link's relays end with it, so the gateway cancels what
/// the peer had in flight here.
using member_link_actor = caf::typed_actor<
  // The peer-gateway part (see `as_gateway`).
  caf::reacts_to<atom::submit, std::string, client_sink_actor>,
  caf::reacts_to<atom::cancel, std::string, client_sink_actor>,
  caf::replies_to<atom::cluster, std::string>::with<std::string>,
  caf::replies_to<atom::get, std::string, std::string,
                  caf::timespan>::with<int32_t, std::string>,
  caf::replies_to<atom::cancel, std::string,
                  std::vector<std::string>>::with<uint32_t>,
  // A frame the peer sent.
  caf::reacts_to<frame_ptr>,
  // The stream ended: why.
  caf::reacts_to<atom::leave, std::string>,
  // Results for the peer's sink with this number (from its relay).
  caf::reacts_to<atom::results, uint32_t, std::string>,
  // A relay's delivery check: answered once the peer answered a ping sent
  // after everything before it.
  caf::replies_to<atom::ping>::with<atom::ping>,
  // The node keeps another link to the peer: end this one.
  caf::reacts_to<atom::stop, std::string>>;

/// The link as the peer's gateway, for actors that talk to members. Only
/// the calls of `member_link_actor`'s peer-gateway part reach the peer;
/// anything else sent through this handle is refused by CAF as unexpected.
gateway_actor as_gateway(const member_link_actor& link);

/// What a link needs to know.
struct member_link_config {
  /// This node's member name.
  std::string node_name;
  /// The peer's member name (from its certificate when links use TLS).
  std::string peer;
  /// This node's gateway (its registered name: whichever incarnation runs).
  gateway_actor gateway;
  /// Calls to the peer that get no answer within this long (beyond their
  /// own wait) fail; the caller usually gave up before.
  caf::timespan call_grace = std::chrono::seconds(30);
  /// Sinks (batchers) of the peer this link keeps a relay for; a peer
  /// that sends from more breaks the protocol and loses its link.
  size_t max_peer_sinks = 256;
};

struct member_link_state {
  static constexpr const char* name = "member_link";

  /// A call to the peer waiting for its answer.
  struct pending_call {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(mv1::Answer&)> answer;
    std::function<void(const std::string&)> fail;
  };

  member_link_config cfg;
  member_stream_ptr stream;
  /// This node's sinks that sent through the link, by number.
  std::unordered_map<caf::actor_addr, uint32_t> sink_numbers;
  std::vector<client_sink_actor> sinks;
  /// A relay per sink number of the peer.
  std::unordered_map<uint32_t, caf::actor> relays;
  uint64_t next_call = 1;
  std::map<uint64_t, pending_call> calls;
  /// Why the link ended (the stream's word), for the calls it fails.
  std::string why;

  ~member_link_state();
};

member_link_actor::behavior_type
member_link(member_link_actor::stateful_pointer<member_link_state> self,
            member_stream_ptr stream, member_link_config cfg);

} // namespace troupe::link
