#include "messages/wire/member_codec.hpp"

#include "messages/errors.hpp"
#include "messages/wire/batch_codec.hpp"
#include "messages/wire/member_wire.hpp"
#include "messages/wire/troupe.pb.h"

namespace troupe::wire {

void to_wire(const member& x, wire::Member& out) {
  out.set_name(x.name);
  out.set_address(x.address);
  out.set_incarnation(x.incarnation);
  out.set_seq(x.seq);
  out.set_status(
    static_cast<wire::MemberStatus>(static_cast<int>(x.status) + 1));
  for (auto& s : x.skills) {
    auto* ps = out.add_skills();
    ps->set_name(s.name);
    ps->set_workers(s.workers);
    ps->set_busy(s.busy);
    ps->set_queued(s.queued);
    ps->set_idempotent(s.idempotent);
    ps->set_cached(s.cached);
    ps->set_version(s.version);
  }
  out.set_jobs_per_second(x.jobs_per_second);
  out.set_health(x.health);
}

bool from_wire(const wire::Member& x, member& out) {
  if (x.name().empty() || x.status() < wire::JOINING || x.status() > wire::DOWN)
    return false;
  out.name = x.name();
  out.address = x.address();
  out.incarnation = x.incarnation();
  out.seq = x.seq();
  out.status = static_cast<member_status>(static_cast<int>(x.status()) - 1);
  for (auto& ps : x.skills())
    out.skills.push_back(skill_load{ps.name(), ps.workers(), ps.busy(),
                                    ps.queued(), ps.idempotent(), ps.cached(),
                                    ps.version()});
  out.jobs_per_second = x.jobs_per_second();
  out.health = std::min<uint32_t>(x.health(), 100);
  return true;
}

} // namespace troupe::wire

namespace troupe::wire::member_codec {

namespace {

void to_wire(const std::vector<member>& xs, wire::MemberList& out) {
  for (auto& m : xs)
    to_wire(m, *out.add_members());
}

bool from_wire(const wire::MemberList& xs, std::vector<member>& out) {
  for (auto& pm : xs.members()) {
    member m;
    if (!from_wire(pm, m))
      return false;
    out.push_back(std::move(m));
  }
  return true;
}

caf::error malformed(const char* what) {
  return caf::make_error(error_code::malformed_message, std::string{what});
}

} // namespace

std::string encode(const cluster_message& x) {
  wire::ClusterMessage msg;
  msg.set_protocol_version(batch_codec::protocol_version);
  msg.set_from(x.from);
  msg.set_from_incarnation(x.from_incarnation);
  switch (x.kind) {
    case cluster_message::join:
      if (!x.members.empty())
        to_wire(x.members.front(), *msg.mutable_join());
      break;
    case cluster_message::leave:
      if (!x.members.empty())
        to_wire(x.members.front(), *msg.mutable_leave());
      break;
    default:
      to_wire(x.members, *msg.mutable_gossip());
  }
  return msg.SerializeAsString();
}

caf::expected<cluster_message> decode_message(const std::string& bytes) {
  wire::ClusterMessage msg;
  if (!msg.ParseFromString(bytes))
    return malformed("not a valid troupe.wire.ClusterMessage");
  if (msg.protocol_version() != batch_codec::protocol_version)
    return caf::make_error(error_code::protocol_mismatch,
                           "peer speaks protocol version "
                             + std::to_string(msg.protocol_version())
                             + ", this node speaks "
                             + std::to_string(batch_codec::protocol_version));
  if (msg.from().empty())
    return malformed("cluster message without a sender");
  cluster_message out;
  out.from = msg.from();
  out.from_incarnation = msg.from_incarnation();
  member m;
  switch (msg.kind_case()) {
    case wire::ClusterMessage::kJoin:
      if (!from_wire(msg.join(), m))
        return malformed("join without a valid member record");
      out.kind = cluster_message::join;
      out.members.push_back(std::move(m));
      break;
    case wire::ClusterMessage::kLeave:
      if (!from_wire(msg.leave(), m))
        return malformed("leave without a valid member record");
      out.kind = cluster_message::leave;
      out.members.push_back(std::move(m));
      break;
    case wire::ClusterMessage::kGossip:
      if (!from_wire(msg.gossip(), out.members))
        return malformed("gossip with an invalid member record");
      out.kind = cluster_message::gossip;
      break;
    default:
      return malformed("cluster message of no known kind");
  }
  return out;
}

std::string encode(const cluster_reply& x) {
  wire::ClusterReply msg;
  if (x.refused)
    msg.set_refused(x.reason);
  else
    to_wire(x.members, *msg.mutable_view());
  return msg.SerializeAsString();
}

caf::expected<cluster_reply> decode_reply(const std::string& bytes) {
  wire::ClusterReply msg;
  if (!msg.ParseFromString(bytes))
    return malformed("not a valid troupe.wire.ClusterReply");
  cluster_reply out;
  switch (msg.kind_case()) {
    case wire::ClusterReply::kRefused:
      out.refused = true;
      out.reason = msg.refused();
      break;
    case wire::ClusterReply::kView:
      if (!from_wire(msg.view(), out.members))
        return malformed("view with an invalid member record");
      break;
    default:
      return malformed("cluster reply of no known kind");
  }
  return out;
}

} // namespace troupe::wire::member_codec
