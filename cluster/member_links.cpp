#include "cluster/member_links.hpp"

#include "actors/link/member_checks.hpp"
#include "actors/log/logging.hpp"
#include "messages/errors.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace troupe::cluster {

namespace {

using self_ptr = links_actor::stateful_pointer<member_links_state>;
using state = member_links_state;
namespace mv1 = link::mv1;

caf::error no_link(std::string why) {
  return caf::make_error(error_code::node_unreachable, std::move(why));
}

/// Finds the dial of `stream`; null when it was accepted.
std::pair<uint64_t, state::dial*> dial_of(self_ptr self,
                                          const link::member_stream_ptr& s) {
  for (auto& [id, d] : self->state.dials)
    if (d.stream == s)
      return {id, &d};
  return {0, nullptr};
}

void resolve(state::dial& d, const std::string& peer,
             const link::member_link_actor& link) {
  for (auto& [expected, rp] : d.waiters) {
    if (!expected.empty() && expected != peer)
      rp.deliver(no_link("the member at " + d.address + " is '" + peer
                         + "', not '" + expected + "'"));
    else
      rp.deliver(link::as_gateway(link));
  }
  d.waiters.clear();
}

void fail(state::dial& d, const std::string& why) {
  for (auto& [expected, rp] : d.waiters)
    rp.deliver(no_link("cannot reach member "
                       + (expected.empty() ? d.address : expected) + " at "
                       + d.address + ": " + why));
  d.waiters.clear();
}

mv1::Frame hello_of(const member_links_config& cfg) {
  mv1::Frame hello;
  auto* h = hello.mutable_hello();
  h->set_protocol_version(link::member_protocol_version);
  h->set_name(cfg.name);
  h->set_address(cfg.address);
  return hello;
}

state::dial& start_dial(self_ptr self, const std::string& address) {
  auto& st = self->state;
  auto id = st.next_dial++;
  auto& d = st.dials[id];
  d.address = address;
  grpc::ChannelArguments args;
  // A channel of its own: one connection per link, closed with it.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetMaxReceiveMessageSize(-1);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  d.channel = grpc::CreateCustomChannel(address, st.cfg.credentials, args);
  auto stub = mv1::Member::NewStub(d.channel);
  d.stream = link::member_stream::dial(
    *stub, *st.cfg.queue, hello_of(st.cfg),
    stream_handlers(caf::actor_cast<links_actor>(self)), st.cfg.limits,
    st.cfg.streams);
  self->delayed_send(self, st.cfg.dial_timeout, atom::expire::value, id);
  return d;
}

/// The link over `stream` with member `peer` is open: drop the one it
/// replaces, serve waiters.
void open_link(self_ptr self, link::member_stream_ptr stream,
               const std::string& peer, const std::string& address,
               std::shared_ptr<grpc::Channel> channel) {
  auto& st = self->state;
  if (auto i = st.links.find(peer); i != st.links.end()) {
    self->send(i->second.link, atom::stop::value,
               std::string{"replaced by a newer link"});
    st.names.erase(i->second.address);
    st.links.erase(i);
  }
  link::member_link_config lc;
  lc.node_name = st.cfg.name;
  lc.peer = peer;
  lc.gateway = st.cfg.gateway;
  auto dialed = stream->dialed();
  auto link = self->spawn(link::member_link, stream, std::move(lc));
  self->monitor(link);
  if (!dialed)
    stream->send(hello_of(st.cfg));
  stream->attach(caf::actor_cast<caf::actor>(link));
  log::cluster().info("links {}: linked with {} at {} ({}{})", st.cfg.name,
                      peer, address, dialed ? "dialled" : "accepted",
                      st.cfg.trust.tls ? ", mutual TLS" : ", plaintext");
  st.links[peer] = state::entry{link, address, dialed, std::move(channel)};
  st.names[address] = peer;
  // Waiters for this address get this link, whichever side dialled.
  for (auto i = st.dials.begin(); i != st.dials.end();) {
    if (i->second.address == address || i->second.stream == stream) {
      resolve(i->second, peer, link);
      if (i->second.stream != stream)
        i->second.stream->close(grpc::StatusCode::CANCELLED,
                                "a link with " + peer + " exists");
      i = st.dials.erase(i);
    } else {
      ++i;
    }
  }
}

void on_first(self_ptr self, link::member_stream_ptr stream,
              const mv1::Frame& first) {
  auto& st = self->state;
  auto [id, d] = dial_of(self, stream);
  auto why = link::hello_problem(first, st.cfg.trust, stream->peer());
  if (!why.empty()) {
    auto where = d ? d->address : stream->peer_address();
    log::cluster().warn("links {}: refused the member at {}: {}", st.cfg.name,
                        where, why);
    stream->close(grpc::StatusCode::PERMISSION_DENIED, "refused: " + why);
    if (d) {
      fail(*d, "refused: " + why);
      st.dials.erase(id);
    }
    return;
  }
  auto& peer = first.hello().name();
  auto existing = st.links.find(peer);
  if (d) {
    // Two links: the stream the smaller name dialled wins on both sides.
    if (existing != st.links.end() && !existing->second.dialed
        && peer < st.cfg.name) {
      resolve(*d, peer, existing->second.link);
      stream->close(grpc::StatusCode::CANCELLED,
                    "a link " + peer + " dialled exists");
      st.dials.erase(id);
      return;
    }
    auto address = d->address;
    auto channel = d->channel;
    open_link(self, std::move(stream), peer, address, std::move(channel));
    return;
  }
  // Accepted: the peer's address is the one it advertises.
  auto address = first.hello().address();
  bool dialing = false;
  for (auto& [did, dd] : st.dials)
    if (dd.address == address)
      dialing = true;
  bool have_dialed = existing != st.links.end() && existing->second.dialed;
  if (st.cfg.name < peer && (have_dialed || dialing)) {
    log::cluster().debug("links {}: {} dialled while this node's link to it "
                         "stands; refused",
                         st.cfg.name, peer);
    stream->close(grpc::StatusCode::ALREADY_EXISTS,
                  "member " + st.cfg.name + " keeps the link it dialled");
    return;
  }
  if (address.empty())
    address = stream->peer_address();
  open_link(self, std::move(stream), peer, address, nullptr);
}

void on_lost(self_ptr self, const link::member_stream_ptr& stream,
             const std::string& why) {
  auto& st = self->state;
  auto [id, d] = dial_of(self, stream);
  if (!d) {
    log::cluster().debug("links {}: a member stream from {} ended before "
                         "its hello: {}",
                         st.cfg.name, stream->peer_address(), why);
    return;
  }
  if (stream->status_code() == grpc::StatusCode::ALREADY_EXISTS) {
    // The peer keeps the link it dialled: it comes in on its own.
    d->yielded = true;
    return;
  }
  log::cluster().debug("links {}: cannot reach {}: {}", st.cfg.name, d->address,
                       why);
  fail(*d, why);
  st.dials.erase(id);
}

} // namespace

link::member_stream::handlers stream_handlers(links_actor registry) {
  link::member_stream::handlers h;
  h.on_first = [registry](link::member_stream_ptr s, mv1::Frame&& first) {
    caf::anon_send(registry, std::move(s),
                   std::make_shared<mv1::Frame>(std::move(first)));
  };
  h.on_end = [registry](link::member_stream_ptr s, std::string why) {
    caf::anon_send(registry, atom::lost::value, std::move(s), std::move(why));
  };
  return h;
}

links_actor::behavior_type
member_links(links_actor::stateful_pointer<member_links_state> self,
             member_links_config cfg) {
  cfg.trust.own_name = cfg.name;
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    for (auto i = st.links.begin(); i != st.links.end(); ++i) {
      if (i->second.link.address() == dm.source) {
        st.names.erase(i->second.address);
        st.links.erase(i);
        return;
      }
    }
  });
  return {
    [self](atom::link, const std::string& address,
           const std::string& expected) -> caf::result<gateway_actor> {
      auto& st = self->state;
      if (auto n = st.names.find(address); n != st.names.end()) {
        auto& e = st.links.at(n->second);
        if (!expected.empty() && expected != n->second)
          return no_link("the member at " + address + " is '" + n->second
                         + "', not '" + expected + "'");
        return link::as_gateway(e.link);
      }
      if (!expected.empty())
        if (auto i = st.links.find(expected); i != st.links.end())
          return link::as_gateway(i->second.link);
      auto rp = self->make_response_promise<gateway_actor>();
      for (auto& [id, d] : st.dials) {
        if (d.address == address) {
          d.waiters.emplace_back(expected, rp);
          return rp;
        }
      }
      start_dial(self, address).waiters.emplace_back(expected, rp);
      return rp;
    },
    [self](link::member_stream_ptr& stream, link::frame_ptr& first) {
      if (stream && first)
        on_first(self, std::move(stream), *first);
    },
    [self](atom::lost, link::member_stream_ptr& stream, std::string& why) {
      if (stream)
        on_lost(self, stream, why);
    },
    [self](atom::expire, uint64_t id) {
      auto& st = self->state;
      auto i = st.dials.find(id);
      if (i == st.dials.end())
        return;
      auto& d = i->second;
      fail(d, d.yielded ? "it keeps a link of its own, which did not come"
                        : "no answer within the connect timeout");
      d.stream->close(grpc::StatusCode::CANCELLED, "connect timeout");
      st.dials.erase(i);
    },
    [self](atom::stop) {
      auto& st = self->state;
      for (auto& [id, d] : st.dials) {
        fail(d, "node " + st.cfg.name + " stops");
        d.stream->close(grpc::StatusCode::CANCELLED, "the node stops");
      }
      st.dials.clear();
      for (auto& [name, e] : st.links)
        self->send_exit(e.link, caf::exit_reason::user_shutdown);
      st.links.clear();
      st.names.clear();
      self->quit();
    },
  };
}

} // namespace troupe::cluster
