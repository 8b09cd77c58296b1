// The cluster view's merge rules, without actors or a network.
#include "cluster/membership_view.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using troupe::member;
using troupe::member_status;
using troupe::cluster::membership_view;
using time_point = troupe::cluster::membership_view::time_point;

member make(std::string name, uint64_t incarnation = 1,
            member_status status = member_status::up, uint64_t seq = 1) {
  member m;
  m.address = "127.0.0.1:" + std::to_string(1000 + name.size());
  m.name = std::move(name);
  m.incarnation = incarnation;
  m.status = status;
  m.seq = seq;
  return m;
}

const time_point t0{std::chrono::seconds(100)};

TEST(MembershipView, StartsWithItselfUp) {
  troupe::cluster::membership_view v{make("a", 1, member_status::joining)};
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v.self().status, member_status::up);
  EXPECT_EQ(v.live_members().size(), 1u);
}

TEST(MembershipView, ViewsConvergeWhateverTheOrder) {
  // Three nodes learn about each other in different orders.
  auto b1 = make("b", 1, member_status::up, 5);
  auto b_down = make("b", 1, member_status::down, 3);
  auto c1 = make("c", 7, member_status::up, 2);
  troupe::cluster::membership_view x{make("a")};
  troupe::cluster::membership_view y{make("z")};
  x.merge(b1, t0);
  x.merge(b_down, t0);
  x.merge(c1, t0);
  y.merge(c1, t0);
  y.merge(b_down, t0);
  y.merge(b1, t0);
  for (auto* v : {&x, &y}) {
    ASSERT_NE(v->find("b"), nullptr);
    EXPECT_EQ(v->find("b")->status, member_status::down);
    EXPECT_EQ(v->find("b")->seq, 5u);
    EXPECT_EQ(v->find("c")->incarnation, 7u);
  }
}

TEST(MembershipView, NewerIncarnationReplacesADownMember) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b", 1, member_status::down), t0);
  EXPECT_TRUE(v.live_members().size() == 1);
  EXPECT_TRUE(v.merge(make("b", 2, member_status::up), t0));
  EXPECT_EQ(v.find("b")->status, member_status::up);
  EXPECT_EQ(v.find("b")->incarnation, 2u);
  // Stale news about the old run changes nothing.
  EXPECT_FALSE(v.merge(make("b", 1, member_status::down, 99), t0));
  EXPECT_EQ(v.find("b")->status, member_status::up);
}

TEST(MembershipView, FresherSequenceBringsLoad) {
  troupe::cluster::membership_view v{make("a")};
  auto b = make("b", 1, member_status::up, 3);
  b.skills.push_back({"echo", 4, 1, 0});
  v.merge(b, t0);
  auto older = make("b", 1, member_status::up, 2);
  EXPECT_FALSE(v.merge(older, t0));
  EXPECT_TRUE(v.find("b")->offers("echo"));
  auto newer = make("b", 1, member_status::up, 4);
  newer.skills.push_back({"sha256", 2, 2, 9});
  EXPECT_TRUE(v.merge(newer, t0));
  EXPECT_TRUE(v.find("b")->offers("sha256"));
  EXPECT_FALSE(v.find("b")->offers("echo"));
}

TEST(MembershipView, SilentMembersAreDeclaredDown) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b"), t0);
  v.merge(make("c"), t0);
  v.heard_from("b", 1, t0 + 1500ms);
  auto down = v.detect_failures(t0 + 2500ms, 2s);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0], "c");
  EXPECT_EQ(v.find("c")->status, member_status::down);
  EXPECT_EQ(v.find("b")->status, member_status::up);
  // Already down: not reported twice.
  EXPECT_TRUE(v.detect_failures(t0 + 2600ms, 2s).empty());
}

TEST(MembershipView, MarkDownOnlyForTheRunItNames) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b", 3), t0);
  EXPECT_FALSE(v.mark_down("b", 2, t0));
  EXPECT_EQ(v.find("b")->status, member_status::up);
  EXPECT_TRUE(v.mark_down("b", 3, t0));
  EXPECT_FALSE(v.mark_down("b", 3, t0));
  EXPECT_FALSE(v.mark_down("a", 0, t0)) << "a node never marks itself down";
}

TEST(MembershipView, LearnsThatOthersGaveUpOnIt) {
  troupe::cluster::membership_view v{make("a", 5)};
  v.merge(make("a", 4, member_status::down), t0);
  EXPECT_FALSE(v.self_declared_down()) << "an old run of itself";
  v.merge(make("a", 5, member_status::down), t0);
  EXPECT_TRUE(v.self_declared_down());
  EXPECT_EQ(v.self().status, member_status::up);
  v.reincarnate(6);
  EXPECT_FALSE(v.self_declared_down());
  EXPECT_EQ(v.self().incarnation, 6u);
}

TEST(MembershipView, LeavingIsNotDown) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b"), t0);
  v.merge(make("b", 1, member_status::leaving, 2), t0);
  EXPECT_EQ(v.find("b")->status, member_status::leaving);
  EXPECT_TRUE(v.detect_failures(t0 + 10s, 2s).empty());
  EXPECT_EQ(v.find("b")->status, member_status::leaving);
  EXPECT_EQ(v.live_members().size(), 1u);
}

TEST(MembershipView, JoinConflictsNameTheLiveNode) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b", 1), t0);
  auto dup = make("b", 9);
  dup.address = "127.0.0.1:9999";
  auto why = v.join_conflict(dup);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "a node named 'b' is already live at 127.0.0.1:1001");
  auto self_dup = make("a", 9);
  EXPECT_TRUE(v.join_conflict(self_dup));
  // The same node restarting at its address may rejoin; a down name is free.
  auto restart = make("b", 2);
  EXPECT_FALSE(v.join_conflict(restart));
  v.mark_down("b", 1, t0);
  EXPECT_FALSE(v.join_conflict(dup));
}

TEST(MembershipView, PrunesLongGoneMembers) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b"), t0);
  v.merge(make("c"), t0);
  v.mark_down("b", 1, t0);
  EXPECT_EQ(v.prune(t0 + 10s, 30s), 0u);
  EXPECT_EQ(v.prune(t0 + 31s, 30s), 1u);
  EXPECT_EQ(v.find("b"), nullptr);
  EXPECT_NE(v.find("c"), nullptr);
}

} // namespace

TEST(MembershipView, DirectContactOutweighsAnotherNodesClaimThatAMemberIsDown) {
  troupe::cluster::membership_view v{make("a")};
  v.trust_direct_contact(1500ms);
  v.merge(make("b"), t0);
  v.heard_from("b", 1, t0 + 1s);
  // c says b is down, but b itself spoke to us half a second ago.
  EXPECT_FALSE(v.merge(make("b", 1, member_status::down), t0 + 1500ms));
  EXPECT_EQ(v.find("b")->status, member_status::up);
  // Once b has been silent for longer than the window, the claim counts.
  EXPECT_TRUE(v.merge(make("b", 1, member_status::down), t0 + 3s));
  EXPECT_EQ(v.find("b")->status, member_status::down);
}

TEST(MembershipView, HearsayCountsForAMemberNeverHeardFromDirectly) {
  troupe::cluster::membership_view v{make("a")};
  v.trust_direct_contact(1500ms);
  v.merge(make("b"), t0);
  EXPECT_TRUE(v.merge(make("b", 1, member_status::down), t0 + 100ms));
  EXPECT_EQ(v.find("b")->status, member_status::down);
}

TEST(MembershipView, HearsayCountsWithoutATrustWindow) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b"), t0);
  v.heard_from("b", 1, t0 + 1s);
  EXPECT_TRUE(v.merge(make("b", 1, member_status::down), t0 + 1100ms));
}

TEST(MembershipView, ALeavingMemberIsBelievedWhateverTheContact) {
  troupe::cluster::membership_view v{make("a")};
  v.trust_direct_contact(1500ms);
  v.merge(make("b"), t0);
  v.heard_from("b", 1, t0 + 1s);
  EXPECT_TRUE(v.merge(make("b", 1, member_status::leaving), t0 + 1100ms));
  EXPECT_EQ(v.find("b")->status, member_status::leaving);
}

TEST(MembershipView, OwnStallDoesNotCountAgainstPeers) {
  troupe::cluster::membership_view v{make("a")};
  v.merge(make("b"), t0);
  v.merge(make("c"), t0);
  v.heard_from("b", 1, t0 + 1s);
  v.heard_from("c", 1, t0 + 200ms);
  // This node stood still for 5 s after t0 + 1 s; at t0 + 6.1 s it runs
  // again. Without the stall both would be overdue.
  auto resumed = t0 + 6100ms;
  v.suspend_judgement(resumed, 5s);
  EXPECT_TRUE(v.detect_failures(resumed, 1500ms).empty());
  // c had already been silent 800 ms before the stall: 700 ms more and it
  // is down, whereas b still has its window.
  auto failed = v.detect_failures(resumed + 800ms, 1500ms);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0], "c");
  EXPECT_EQ(v.find("b")->status, member_status::up);
}
