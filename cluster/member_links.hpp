#pragma once

#include "actors/link/member_checks.hpp"
#include "actors/link/member_link.hpp"
#include "actors/link/member_stream.hpp"
#include "actors/rpc/call_queue.hpp"
#include "messages/interfaces.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::cluster {

/// A node's links to the other members: one per pair of members, over
/// gRPC streams on their cluster ports (`link::member_stream`), each
/// bridged to this node's actors by a `link::member_link` actor.
using links_actor = caf::typed_actor<
  // The member at this cluster address (HOST:PORT), named so when the name
  // is not empty: its gateway as this node reaches it, through the link
  // there is or one dialled now. An error says why there is none.
  caf::replies_to<atom::link, std::string, std::string>::with<gateway_actor>,
  // A stream's first frame (from the links' queue thread).
  caf::reacts_to<link::member_stream_ptr, link::frame_ptr>,
  // A stream ended before it carried a link: why.
  caf::reacts_to<atom::lost, link::member_stream_ptr, std::string>,
  // A dial took too long (the registry's own timer).
  caf::reacts_to<atom::expire, uint64_t>,
  // The node stops: end every link, then the registry.
  caf::reacts_to<atom::stop>>;

/// What the registry needs to know.
struct member_links_config {
  /// This node's member name and the cluster address it advertises.
  std::string name;
  std::string address;
  /// Who may be a member (`own_name` is filled in from `name`): with
  /// `tls`, both sides present a member certificate of the cluster CA
  /// whose name is the name they give; without (`--insecure`), a member is
  /// whoever it says it is.
  link::member_rules trust;
  /// This node's gateway (its registered name).
  gateway_actor gateway;
  /// The queue dialled streams live on (the cluster port's).
  rpc::call_queue* queue = nullptr;
  /// Credentials for dialling members.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  /// How long a dial may take until the peer's hello.
  caf::timespan dial_timeout = std::chrono::seconds(5);
  link::stream_limits limits;
  /// Every stream of the cluster port, dialled ones included.
  link::stream_set_ptr streams;
};

struct member_links_state {
  static constexpr const char* name = "member_links";

  /// A dial in progress.
  struct dial {
    std::string address;
    /// The name the caller expects there (empty: whoever it is).
    link::member_stream_ptr stream;
    std::shared_ptr<grpc::Channel> channel;
    std::vector<
      std::pair<std::string, caf::typed_response_promise<gateway_actor>>>
      waiters;
    /// The peer said it keeps a link it dialled itself: the waiters get
    /// that link when it comes.
    bool yielded = false;
  };

  /// A link in use.
  struct entry {
    link::member_link_actor link;
    std::string address;
    /// This node dialled it.
    bool dialed = false;
    std::shared_ptr<grpc::Channel> channel;
  };

  member_links_config cfg;
  uint64_t next_dial = 1;
  std::unordered_map<uint64_t, dial> dials;
  /// By member name.
  std::unordered_map<std::string, entry> links;
  /// Member name by cluster address.
  std::unordered_map<std::string, std::string> names;
};

/// The registry of a node's member links. It dials members on request and
/// takes the streams other members dial in; it checks every peer's hello
/// against its certificate (mutual TLS: the name must be the one its
/// member certificate carries, and its serial not denied) and keeps one
/// link per pair of members: when two members dial each other at once,
/// both keep the stream the member with the smaller name dialled.
links_actor::behavior_type
member_links(links_actor::stateful_pointer<member_links_state> self,
             member_links_config cfg);

/// The handlers a new stream reports its first frame and early end with.
link::member_stream::handlers stream_handlers(links_actor registry);

} // namespace troupe::cluster
