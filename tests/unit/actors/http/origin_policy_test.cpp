// Which web origins may use the HTTP port: the node's own, the listed
// ones, and requests without an Origin (not from a page's script).
#include "actors/http/origin_policy.hpp"

#include <gtest/gtest.h>

using troupe::http::origin_policy;

TEST(OriginPolicy, ByDefaultOnlyTheNodesOwnOrigin) {
  origin_policy p;
  EXPECT_TRUE(p.allows("", "127.0.0.1:8080"));
  EXPECT_TRUE(p.allows("http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(p.allows("HTTP://Node.Example:80", "node.example:80"));
  EXPECT_FALSE(p.allows("http://evil.example", "127.0.0.1:8080"));
  EXPECT_FALSE(p.allows("http://127.0.0.1:8081", "127.0.0.1:8080"));
  EXPECT_FALSE(p.allows("https://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_FALSE(p.allows("http://127.0.0.1:8080.evil", "127.0.0.1:8080"));
  EXPECT_FALSE(p.allows("null", "127.0.0.1:8080"));
  EXPECT_FALSE(p.allows("http://x", ""));
}

TEST(OriginPolicy, AListAddsToTheNodesOwn) {
  origin_policy p{{"https://ops.example.com", "http://localhost:3000"}};
  EXPECT_TRUE(p.allows("https://ops.example.com", "node:8080"));
  EXPECT_TRUE(p.allows("http://LOCALHOST:3000", "node:8080"));
  EXPECT_TRUE(p.allows("http://node:8080", "node:8080"));
  EXPECT_FALSE(p.allows("http://other:8080", "node:8080"));
  EXPECT_FALSE(p.allows("https://ops.example.com.evil", "node:8080"));
  EXPECT_TRUE(p.allows("", "node:8080"));
}

TEST(OriginPolicy, OverHttpsTheOwnOriginIsHttps) {
  origin_policy p{{}, true};
  EXPECT_TRUE(p.allows("https://127.0.0.1:8443", "127.0.0.1:8443"));
  EXPECT_FALSE(p.allows("http://127.0.0.1:8443", "127.0.0.1:8443"));
}
