#include "actors/base/sha256.hpp"
#include "actors/door/bearer_token.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

using namespace troupe::door;

TEST(BearerToken, GeneratedTokensArePrefixedBase64url) {
  auto token = generate_token();
  ASSERT_TRUE(token);
  // 32 bytes in unpadded base64url are 43 characters.
  EXPECT_EQ(token->size(), token_prefix.size() + 43);
  EXPECT_EQ(token->substr(0, token_prefix.size()), token_prefix);
  for (auto c : token->substr(token_prefix.size()))
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-'
                || c == '_')
      << "unexpected character '" << c << "' in " << *token;
}

TEST(BearerToken, GeneratedTokensDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto token = generate_token();
    ASSERT_TRUE(token);
    EXPECT_TRUE(seen.insert(*token).second);
  }
}

TEST(BearerToken, DigestIsSha256OfTheWholeToken) {
  troupe::base::sha256 h;
  h.update("trp_abc");
  EXPECT_EQ(digest_of("trp_abc"), h.finish());
  EXPECT_NE(digest_of("trp_abc"), digest_of("abc"));
}

TEST(BearerToken, BearerOfTakesTheTokenAfterTheScheme) {
  EXPECT_EQ(bearer_of("Bearer trp_a-b_c"), "trp_a-b_c");
  EXPECT_EQ(bearer_of("bearer trp_x"), "trp_x");
  EXPECT_EQ(bearer_of("BEARER   trp_x"), "trp_x");
  EXPECT_EQ(bearer_of("Bearer abc=="), "abc==");
}

TEST(BearerToken, BearerOfRefusesOtherValues) {
  EXPECT_FALSE(bearer_of(""));
  EXPECT_FALSE(bearer_of("Bearer"));
  EXPECT_FALSE(bearer_of("Bearer "));
  EXPECT_FALSE(bearer_of("Bearertrp_x"));
  EXPECT_FALSE(bearer_of("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(bearer_of("Bearer trp x"));
  EXPECT_FALSE(bearer_of("Bearer trp_x "));
  EXPECT_FALSE(bearer_of("Bearer a=b"));
  EXPECT_FALSE(bearer_of("Bearer ==="));
  EXPECT_FALSE(bearer_of(std::string_view{"Bearer a\0b", 10}));
}
