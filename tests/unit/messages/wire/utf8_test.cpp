#include "messages/wire/utf8.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace {

namespace utf8 = troupe::utf8;

TEST(Utf8, AcceptsWellFormedText) {
  for (std::string ok : std::initializer_list<std::string>{
         "", "echo", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
         "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf", std::string("nul\0inside", 10)}) {
    EXPECT_TRUE(utf8::valid(ok)) << ok;
    EXPECT_EQ(utf8::sanitized(ok), ok);
  }
}

TEST(Utf8, RefusesEveryKindOfMalformedSequence) {
  struct bad_case {
    std::string text;
    size_t first_invalid;
  };
  for (auto& c : std::initializer_list<bad_case>{
         {"ab\xff", 2},            // never valid
         {"\x80", 0},              // stray continuation byte
         {"x\xc3", 1},             // truncated
         {"\xe2\x82", 0},          // truncated
         {"\xc0\xaf", 0},          // overlong '/'
         {"\xe0\x80\xaf", 0},      // overlong
         {"\xf0\x80\x80\xaf", 0},  // overlong
         {"\xed\xa0\x80", 0},      // surrogate U+D800
         {"\xf4\x90\x80\x80", 0},  // above U+10FFFF
         {"\xf5\x80\x80\x80", 0},  // never valid
         {"ok\xe2\x28\xa1", 2}}) { // bad continuation
    EXPECT_FALSE(utf8::valid(c.text)) << c.text;
    EXPECT_EQ(utf8::first_invalid(c.text), c.first_invalid) << c.text;
    EXPECT_TRUE(utf8::valid(utf8::sanitized(c.text))) << c.text;
  }
}

TEST(Utf8, SanitizingReplacesEachBadByte) {
  EXPECT_EQ(utf8::sanitized("a\xff"
                            "b\xc3\xa9"),
            "a\xef\xbf\xbd"
            "b\xc3\xa9");
  EXPECT_EQ(utf8::sanitized("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
}

} // namespace
