// What a node checks in a peer's hello and membership messages before it
// acts on them (actors/link/member_checks).
#include "actors/link/member_checks.hpp"
#include "messages/wire/member_codec.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

namespace mv1 = troupe::members::v1;
using troupe::link::hello_problem;
using troupe::link::member_rules;
using troupe::link::sender_problem;
using troupe::rpc::peer_identity;

mv1::Frame hello(const std::string& name, uint32_t version = 1) {
  mv1::Frame f;
  f.mutable_hello()->set_protocol_version(version);
  f.mutable_hello()->set_name(name);
  f.mutable_hello()->set_address("127.0.0.1:5711");
  return f;
}

member_rules tls_rules() {
  member_rules r;
  r.own_name = "alpha";
  r.tls = true;
  return r;
}

peer_identity member_cert(const std::string& name) {
  peer_identity who;
  who.verified = true;
  who.member = name;
  who.serial = "1F2E";
  who.server_auth = who.client_auth = true;
  return who;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MemberChecks, AMemberCertificateOfItsOwnNameIsTaken) {
  EXPECT_EQ(hello_problem(hello("beta"), tls_rules(), member_cert("beta")), "");
}

TEST(MemberChecks, ACertificateForAnotherNameIsRefused) {
  auto why = hello_problem(hello("mallory"), tls_rules(), member_cert("beta"));
  EXPECT_TRUE(mentions(why, "claims to be 'mallory'")) << why;
}

TEST(MemberChecks, NoCertificateOrAClientsIsRefused) {
  EXPECT_TRUE(
    mentions(hello_problem(hello("beta"), tls_rules(), {}), "no certificate"));
  peer_identity client;
  client.verified = true;
  client.client = "beta";
  client.client_auth = true;
  EXPECT_TRUE(mentions(hello_problem(hello("beta"), tls_rules(), client),
                       "not a member certificate"));
  // A member URI without the server usage is no member certificate either.
  auto half = member_cert("beta");
  half.server_auth = false;
  EXPECT_TRUE(mentions(hello_problem(hello("beta"), tls_rules(), half),
                       "not a member certificate"));
}

TEST(MemberChecks, ADeniedSerialIsRefused) {
  auto rules = tls_rules();
  rules.denied_serials = {"1F2E"};
  EXPECT_TRUE(mentions(hello_problem(hello("beta"), rules, member_cert("beta")),
                       "is denied"));
}

TEST(MemberChecks, BadHellosAreRefusedWithOrWithoutTls) {
  for (bool tls : {true, false}) {
    auto rules = tls_rules();
    rules.tls = tls;
    auto who = member_cert("beta");
    EXPECT_TRUE(
      mentions(hello_problem(hello("beta", 2), rules, who), "version 2"));
    EXPECT_TRUE(mentions(hello_problem(hello(""), rules, who), "empty"));
    EXPECT_TRUE(
      mentions(hello_problem(hello(std::string(300, 'b')), rules, who),
               "longer than 256"));
    EXPECT_TRUE(
      mentions(hello_problem(hello("be\xff"), rules, who), "not UTF-8"));
    EXPECT_TRUE(mentions(
      hello_problem(hello("alpha"), rules, member_cert("alpha")), "own name"));
    mv1::Frame not_hello;
    not_hello.mutable_call()->set_id(1);
    EXPECT_TRUE(mentions(hello_problem(not_hello, rules, who), "not a hello"));
  }
  // Without TLS, a member is whoever it says it is.
  auto plain = tls_rules();
  plain.tls = false;
  EXPECT_EQ(hello_problem(hello("beta"), plain, {}), "");
}

TEST(MemberChecks, MembershipMessagesComeFromTheirSender) {
  namespace codec = troupe::wire::member_codec;
  codec::cluster_message msg;
  msg.kind = codec::cluster_message::join;
  msg.from = "beta";
  troupe::member m;
  m.name = "beta";
  m.address = "127.0.0.1:5711";
  m.status = troupe::member_status::joining;
  msg.members.push_back(m);
  EXPECT_EQ(sender_problem("beta", codec::encode(msg)), "");
  EXPECT_TRUE(
    mentions(sender_problem("gamma", codec::encode(msg)), "as 'beta'"));
  // Joining in another's name, even as oneself.
  msg.members[0].name = "gamma";
  EXPECT_TRUE(mentions(sender_problem("beta", codec::encode(msg)),
                       "join or leave as 'gamma'"));
  // Gossip may speak of others: hearsay is weighed by the membership.
  msg.kind = codec::cluster_message::gossip;
  EXPECT_EQ(sender_problem("beta", codec::encode(msg)), "");
  // What does not decode is the membership's to refuse.
  EXPECT_EQ(sender_problem("beta", "\xff\xff"), "");
}

} // namespace
