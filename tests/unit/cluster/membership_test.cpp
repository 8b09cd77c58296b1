// The membership actor answering peers, on CAF's deterministic test
// coordinator (the connecting side needs real sockets and is covered by
// tests/integration/cluster_membership_test.cpp).
#include "cluster/membership.hpp"
#include "messages/type_ids.hpp"
#include "messages/wire/member_codec.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <gtest/gtest.h>

namespace {

namespace cc = troupe::wire::member_codec;
using troupe::member;
using troupe::member_status;

member peer(std::string name, uint64_t incarnation = 1,
            member_status status = member_status::up) {
  member m;
  m.address = "127.0.0.1:" + std::to_string(2000 + name.size());
  m.name = std::move(name);
  m.incarnation = incarnation;
  m.status = status;
  m.seq = 1;
  return m;
}

class Membership : public troupe::test::actor_test {
 public:
  Membership() {
    troupe::cluster::membership_config cfg;
    cfg.self.name = "self";
    cfg.self.address = "127.0.0.1:1000";
    cfg.self.incarnation = 5;
    m = sys().spawn(troupe::cluster::membership, cfg);
    stop_at_end(m);
  }

  cc::cluster_reply send(const cc::cluster_message& msg) {
    auto bytes = ask<std::string>(m, troupe::atom::cluster::value,
                                  cc::encode(msg));
    if (!bytes)
      return {};
    auto reply = cc::decode_reply(*bytes);
    EXPECT_TRUE(reply);
    return reply ? *reply : cc::cluster_reply{};
  }

  troupe::cluster_view view() {
    auto v = ask<troupe::cluster_view>(m, troupe::atom::members::value);
    return v ? *v : troupe::cluster_view{};
  }

  troupe::membership_actor m;
};

cc::cluster_message join(const member& who) {
  cc::cluster_message msg;
  msg.kind = cc::cluster_message::join;
  msg.from = who.name;
  msg.from_incarnation = who.incarnation;
  msg.members.push_back(who);
  return msg;
}

TEST_F(Membership, AcceptsAJoinAndAnswersWithItsView) {
  auto reply = send(join(peer("b")));
  ASSERT_FALSE(reply.refused) << reply.reason;
  ASSERT_EQ(reply.members.size(), 2u);
  EXPECT_EQ(reply.members[0].name, "b");
  EXPECT_EQ(reply.members[0].status, member_status::up);
  EXPECT_EQ(reply.members[1].name, "self");
  EXPECT_EQ(view().members.size(), 2u);
}

TEST_F(Membership, RefusesATakenName) {
  send(join(peer("b")));
  auto twin = peer("b", 9);
  twin.address = "127.0.0.1:9999";
  auto reply = send(join(twin));
  EXPECT_TRUE(reply.refused);
  EXPECT_EQ(reply.reason, "a node named 'b' is already live at 127.0.0.1:2001");
  auto self_twin = peer("self", 9);
  EXPECT_TRUE(send(join(self_twin)).refused);
}

TEST_F(Membership, GossipMergesAndLeaveIsNotDown) {
  cc::cluster_message gossip;
  gossip.kind = cc::cluster_message::gossip;
  gossip.from = "b";
  gossip.from_incarnation = 1;
  gossip.members = {peer("b"), peer("c", 3)};
  send(gossip);
  auto v = view();
  ASSERT_EQ(v.members.size(), 3u);
  cc::cluster_message leave;
  leave.kind = cc::cluster_message::leave;
  leave.from = "c";
  leave.from_incarnation = 3;
  auto c = peer("c", 3, member_status::leaving);
  c.seq = 2;
  leave.members = {c};
  send(leave);
  for (auto& m : view().members) {
    if (m.name == "c") {
      EXPECT_EQ(m.status, member_status::leaving);
    }
  }
}

TEST_F(Membership, MalformedMessagesGetARefusalNotACrash) {
  auto bytes = ask<std::string>(m, troupe::atom::cluster::value,
                                std::string{"\x01\x02garbage"});
  ASSERT_TRUE(bytes);
  auto reply = cc::decode_reply(*bytes);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->refused);
  EXPECT_EQ(view().members.size(), 1u);
}

TEST_F(Membership, ListenersHearOfChanges) {
  auto views = std::make_shared<std::vector<troupe::cluster_view>>();
  auto listener
    = sys().spawn([views]() -> troupe::view_listener_actor::behavior_type {
        return {[views](troupe::cluster_view& v) {
          views->push_back(v);
        }};
      });
  stop_at_end(listener);
  caf::anon_send(m, troupe::atom::subscribe::value, listener);
  run();
  ASSERT_EQ(views->size(), 1u);
  EXPECT_EQ(views->back().members.size(), 1u);
  send(join(peer("b")));
  ASSERT_GE(views->size(), 2u);
  EXPECT_EQ(views->back().members.size(), 2u);
}

TEST_F(Membership, JoinWithoutSeedsSucceedsAtOnce) {
  auto joined = ask<bool>(m, troupe::atom::join::value);
  ASSERT_TRUE(joined);
  EXPECT_TRUE(*joined);
}

} // namespace
