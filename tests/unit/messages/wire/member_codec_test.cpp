#include "messages/errors.hpp"
#include "messages/wire/batch_codec.hpp"
#include "messages/wire/member_codec.hpp"
#include "messages/wire/troupe.pb.h"
#include "tests/support/message_equality.hpp"

#include <gtest/gtest.h>

namespace {

namespace cc = troupe::wire::member_codec;
using troupe::member;
using troupe::member_status;
using troupe::test::expect_equal;

member sample(std::string name) {
  member m;
  m.name = std::move(name);
  m.address = "127.0.0.1:4711";
  m.incarnation = 123456789;
  m.seq = 42;
  m.status = member_status::leaving;
  m.skills.push_back({"echo", 1, 0, 3});
  m.skills.push_back({"sha256", 4, 2, 9, true, true, "2.1"});
  m.jobs_per_second = 1234.5;
  m.health = 87;
  return m;
}

TEST(ClusterCodec, EveryKindRoundTrips) {
  for (auto kind : {cc::cluster_message::join, cc::cluster_message::gossip,
                    cc::cluster_message::leave}) {
    cc::cluster_message msg;
    msg.kind = kind;
    msg.from = "a";
    msg.from_incarnation = 7;
    msg.members.push_back(sample("a"));
    if (kind == cc::cluster_message::gossip)
      msg.members.push_back(sample("b"));
    auto out = cc::decode_message(cc::encode(msg));
    ASSERT_TRUE(out) << troupe::message_of(out.error());
    EXPECT_EQ(out->kind, kind);
    EXPECT_EQ(out->from, "a");
    EXPECT_EQ(out->from_incarnation, 7u);
    ASSERT_EQ(out->members.size(), msg.members.size());
    for (size_t i = 0; i < msg.members.size(); ++i)
      expect_equal(out->members[i], msg.members[i]);
  }
}

TEST(ClusterCodec, RepliesRoundTrip) {
  cc::cluster_reply view;
  view.members.push_back(sample("x"));
  auto out = cc::decode_reply(cc::encode(view));
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->refused);
  ASSERT_EQ(out->members.size(), 1u);
  expect_equal(out->members[0], view.members[0]);
  cc::cluster_reply refused;
  refused.refused = true;
  refused.reason = "name taken";
  out = cc::decode_reply(cc::encode(refused));
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->refused);
  EXPECT_EQ(out->reason, "name taken");
}

TEST(ClusterCodec, RefusesWhatIsMalformed) {
  EXPECT_FALSE(cc::decode_message("garbage bytes"));
  EXPECT_FALSE(cc::decode_reply("garbage bytes"));
  troupe::wire::ClusterMessage msg;
  msg.set_protocol_version(troupe::wire::batch_codec::protocol_version);
  msg.set_from("a");
  EXPECT_FALSE(cc::decode_message(msg.SerializeAsString())) << "no kind";
  msg.mutable_gossip()->add_members()->set_name("b"); // no status
  EXPECT_FALSE(cc::decode_message(msg.SerializeAsString()));
  msg.clear_gossip();
  msg.mutable_gossip();
  msg.set_from("");
  EXPECT_FALSE(cc::decode_message(msg.SerializeAsString())) << "no sender";
  msg.set_from("a");
  msg.set_protocol_version(99);
  auto out = cc::decode_message(msg.SerializeAsString());
  ASSERT_FALSE(out);
  EXPECT_NE(troupe::message_of(out.error()).find("protocol version 99"),
            std::string::npos);
  troupe::wire::ClusterReply empty;
  EXPECT_FALSE(cc::decode_reply(empty.SerializeAsString()));
}

TEST(ClusterCodec, HealthIsCappedAtOneHundred) {
  troupe::wire::ClusterMessage msg;
  msg.set_protocol_version(troupe::wire::batch_codec::protocol_version);
  msg.set_from("a");
  auto* m = msg.mutable_join();
  m->set_name("a");
  m->set_status(troupe::wire::UP);
  m->set_health(1000);
  auto out = cc::decode_message(msg.SerializeAsString());
  ASSERT_TRUE(out);
  EXPECT_EQ(out->members.front().health, 100u);
}

} // namespace
