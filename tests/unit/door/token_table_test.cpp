#include "actors/door/token_table.hpp"

#include <gtest/gtest.h>

using namespace troupe::door;

namespace {

token_entry entry(const std::string& name, role r, const std::string& token) {
  token_entry e;
  e.name = name;
  e.role = r;
  e.digest = digest_of(token);
  return e;
}

token_table three_tokens() {
  return token_table{{entry("ci", role::submit, "trp_ci"),
                      entry("ops", role::operate, "trp_ops"),
                      entry("root", role::admin, "trp_root")}};
}

} // namespace

TEST(TokenTable, FindsEachTokenEntry) {
  auto table = three_tokens();
  for (auto [token, name] :
       {std::pair{"trp_ci", "ci"}, {"trp_ops", "ops"}, {"trp_root", "root"}}) {
    const auto* found = table.find(token);
    ASSERT_NE(found, nullptr) << token;
    EXPECT_EQ(found->name, name);
  }
  EXPECT_EQ(table.find("trp_root")->role, role::admin);
}

TEST(TokenTable, WrongTokensFindNothing) {
  auto table = three_tokens();
  EXPECT_EQ(table.find(""), nullptr);
  EXPECT_EQ(table.find("trp_c"), nullptr);
  EXPECT_EQ(table.find("trp_ci "), nullptr);
  EXPECT_EQ(table.find("TRP_CI"), nullptr);
  EXPECT_EQ(table.find("ci"), nullptr);
  // The digest itself is not a token.
  std::string digest(reinterpret_cast<const char*>(digest_of("trp_ci").data()),
                     32);
  EXPECT_EQ(table.find(digest), nullptr);
}

TEST(TokenTable, EmptyTableFindsNothing) {
  token_table table;
  EXPECT_EQ(table.find("trp_ci"), nullptr);
  EXPECT_EQ(table.size(), 0u);
}

TEST(TokenTable, SlotIsThePositionOfTheEntry) {
  auto table = three_tokens();
  EXPECT_EQ(table.slot_of(*table.find("trp_ci")), 0u);
  EXPECT_EQ(table.slot_of(*table.find("trp_root")), 2u);
}
