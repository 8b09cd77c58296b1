#include "actors/link/member_checks.hpp"

#include "messages/wire/member_codec.hpp"
#include "messages/wire/utf8.hpp"

namespace troupe::link {

namespace {

constexpr size_t max_text_bytes = 256;

bool fine_text(const std::string& x) {
  return x.size() <= max_text_bytes && utf8::valid(x);
}

} // namespace

std::string hello_problem(const members::v1::Frame& first,
                          const member_rules& rules,
                          const rpc::peer_identity& who) {
  if (first.kind_case() != members::v1::Frame::kHello)
    return "the first frame was not a hello";
  auto& hello = first.hello();
  if (hello.protocol_version() != member_protocol_version)
    return "it speaks member protocol version "
           + std::to_string(hello.protocol_version()) + ", this node "
           + std::to_string(member_protocol_version);
  auto& name = hello.name();
  if (name.empty() || !fine_text(name))
    return "its name is empty, longer than 256 bytes or not UTF-8";
  if (!fine_text(hello.address()))
    return "its address is longer than 256 bytes or not UTF-8";
  if (name == rules.own_name)
    return "it has this node's own name";
  if (!rules.tls)
    return {};
  if (!who.verified)
    return "it presented no certificate";
  if (!who.is_member())
    return "its certificate is not a member certificate (" + rpc::describe(who)
           + ")";
  if (who.member != name)
    return "it claims to be '" + name + "' with the " + rpc::describe(who);
  if (rules.denied_serials.count(who.serial) > 0)
    return "its certificate (serial " + who.serial + ") is denied";
  return {};
}

std::string sender_problem(const std::string& peer,
                           const std::string& cluster_message) {
  auto msg = wire::member_codec::decode_message(cluster_message);
  if (!msg)
    return {};
  if (msg->from != peer)
    return "member " + peer + " sent a membership message as '"
           + utf8::sanitized(msg->from) + "'";
  if (msg->kind != wire::member_codec::cluster_message::gossip)
    for (auto& m : msg->members)
      if (m.name != peer)
        return "member " + peer + " tried to join or leave as '"
               + utf8::sanitized(m.name) + "'";
  return {};
}

} // namespace troupe::link
