// libFuzzer target for the member protocol's frames (troupe.members.v1):
// what a peer sends over a member link, decoded and checked as a node does
// before it acts on it: the hello against this node's rules and the peer's
// certificate, membership calls against the peer's name, detached-job ids.
// Beyond crashes and sanitizer findings: a hello is never taken from a peer
// whose certificate names another member, and a membership message is
// never taken in another member's name.
#include "actors/link/member_checks.hpp"
#include "messages/detached.hpp"
#include "messages/wire/member_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <string>

namespace {

namespace mv1 = troupe::members::v1;
namespace link = troupe::link;

void broken(const char* what) {
  troupe::fuzz::broken("link", what);
}

void check_hello(const mv1::Frame& f) {
  link::member_rules rules;
  rules.own_name = "alpha";
  rules.tls = true;
  rules.denied_serials = {"DEAD"};
  troupe::rpc::peer_identity who;
  who.verified = true;
  who.member = "beta";
  who.serial = "BEEF";
  who.server_auth = who.client_auth = true;
  auto why = link::hello_problem(f, rules, who);
  if (why.empty() && f.hello().name() != "beta")
    broken("a hello was taken under a name the certificate does not carry");
  who.serial = "DEAD";
  if (link::hello_problem(f, rules, who).empty())
    broken("a hello was taken with a denied certificate");
  rules.tls = false;
  (void)link::hello_problem(f, rules, who);
}

void check_call(const mv1::Call& c) {
  if (c.kind_case() == mv1::Call::kCluster) {
    auto why = link::sender_problem("beta", c.cluster());
    auto msg = troupe::wire::member_codec::decode_message(c.cluster());
    if (why.empty() && msg && msg->from != "beta")
      broken("a membership message was taken in another member's name");
  }
  if (c.kind_case() == mv1::Call::kGet)
    (void)troupe::detached_id::parse(c.get().id());
  if (c.kind_case() == mv1::Call::kCancel)
    for (auto& id : c.cancel().ids())
      (void)troupe::detached_id::parse(id);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mv1::Frame f;
  if (!f.ParseFromArray(data, static_cast<int>(size)))
    return 0;
  check_hello(f);
  if (f.kind_case() == mv1::Frame::kCall)
    check_call(f.call());
  // A frame that parsed serializes into one that parses the same.
  mv1::Frame again;
  if (!again.ParseFromString(f.SerializeAsString())
      || again.kind_case() != f.kind_case())
    broken("a frame does not survive a round trip");
  return 0;
}
