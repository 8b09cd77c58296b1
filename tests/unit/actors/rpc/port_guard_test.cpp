// What a port of a shared gRPC server lets through, and which addresses
// let plaintext calls carry their port's name.
#include "actors/rpc/port_guard.hpp"

#include <gtest/gtest.h>

using troupe::rpc::port_guard;

TEST(PortGuard, OffersOnlyItsOwnServices) {
  port_guard g{"cluster port", {"troupe.members.v1.Member"}};
  EXPECT_TRUE(g.offers("/troupe.members.v1.Member/Link"));
  EXPECT_FALSE(g.offers("/troupe.v1.Troupe/Submit"));
  EXPECT_FALSE(g.offers("/grpc.health.v1.Health/Check"));
  // A service whose name merely starts like the offered one.
  EXPECT_FALSE(g.offers("/troupe.members.v1.MemberX/Link"));
  EXPECT_FALSE(g.offers("/troupe.members.v1.Member"));
  EXPECT_FALSE(g.offers(""));
}

TEST(PortGuard, PlaintextCallsAreMarkedOnTheLocalAddressOnly) {
  for (auto host : {"127.0.0.1", "::1", "[::1]", "localhost"})
    EXPECT_TRUE(troupe::rpc::is_local_address(host)) << host;
  for (auto host : {"127.0.0.2", "0.0.0.0", "10.0.0.5", "::", ""})
    EXPECT_FALSE(troupe::rpc::is_local_address(host)) << host;
  // With TLS every port is marked; without, only a local one.
  troupe::rpc::tls_material none;
  EXPECT_NE(troupe::rpc::guarded_credentials(none, true, "p", {"a.B"}),
            nullptr);
  EXPECT_EQ(troupe::rpc::guarded_credentials(none, false, "p", {"a.B"}),
            nullptr);
}
