#include "messages/wire/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using troupe::wire::append_json_string;
using troupe::wire::json_string;

TEST(Json, PlainAsciiIsQuoted) {
  EXPECT_EQ(troupe::wire::json_string("hello world"), "\"hello world\"");
  EXPECT_EQ(troupe::wire::json_string(""), "\"\"");
}

TEST(Json, AppendKeepsExistingContent) {
  std::string out = "{\"k\":";
  troupe::wire::append_json_string(out, "v");
  out += '}';
  EXPECT_EQ(out, "{\"k\":\"v\"}");
}

TEST(Json, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(troupe::wire::json_string("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(troupe::wire::json_string("C:\\dir\\"), R"("C:\\dir\\")");
  EXPECT_EQ(troupe::wire::json_string("\\\""), R"("\\\"")");
}

TEST(Json, EscapesNamedControlCharacters) {
  EXPECT_EQ(troupe::wire::json_string("a\nb\rc\td"), R"("a\nb\rc\td")");
}

TEST(Json, EscapesOtherControlCharactersAsUnicode) {
  EXPECT_EQ(troupe::wire::json_string("\x01"), R"("\u0001")");
  EXPECT_EQ(troupe::wire::json_string("\x1f"), R"("\u001f")");
  EXPECT_EQ(troupe::wire::json_string("\x08\x0c"), R"("\u0008\u000c")");
  EXPECT_EQ(troupe::wire::json_string("\x7f"), R"("\u007f")");
}

TEST(Json, EscapesNulWithoutTruncating) {
  std::string in("a\0b", 3);
  EXPECT_EQ(troupe::wire::json_string(in), R"("a\u0000b")");
  EXPECT_EQ(troupe::wire::json_string(std::string(2, '\0')),
            R"("\u0000\u0000")");
}

TEST(Json, KeepsValidUtf8) {
  // 2-, 3- and 4-byte sequences: e-acute, euro sign, grinning face.
  EXPECT_EQ(troupe::wire::json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(troupe::wire::json_string("\xe2\x82\xac 5"), "\"\xe2\x82\xac 5\"");
  EXPECT_EQ(troupe::wire::json_string("\xf0\x9f\x98\x80"),
            "\"\xf0\x9f\x98\x80\"");
  // Highest code points of each length.
  EXPECT_EQ(troupe::wire::json_string("\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf"),
            "\"\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
}

TEST(Json, EscapesInvalidBytes) {
  EXPECT_EQ(troupe::wire::json_string("\xff"), R"("\u00ff")");
  EXPECT_EQ(troupe::wire::json_string("a\xfe"
                                      "b"),
            R"("a\u00feb")");
  // A lone continuation byte.
  EXPECT_EQ(troupe::wire::json_string("\x80"), R"("\u0080")");
  // Overlong two-byte encodings (lead bytes C0 and C1 never appear).
  EXPECT_EQ(troupe::wire::json_string("\xc0\xaf"), R"("\u00c0\u00af")");
  EXPECT_EQ(troupe::wire::json_string("\xc1\xbf"), R"("\u00c1\u00bf")");
  // Lead bytes beyond U+10FFFF.
  EXPECT_EQ(troupe::wire::json_string("\xf5\x80\x80\x80"),
            R"("\u00f5\u0080\u0080\u0080")");
}

TEST(Json, EscapesTruncatedSequences) {
  // Euro sign missing its last byte, at the end and in the middle.
  EXPECT_EQ(troupe::wire::json_string("\xe2\x82"), R"("\u00e2\u0082")");
  EXPECT_EQ(troupe::wire::json_string("\xe2\x82x"), R"("\u00e2\u0082x")");
  // A 4-byte lead followed by ASCII.
  EXPECT_EQ(troupe::wire::json_string("\xf0"
                                      "abc"),
            R"("\u00f0abc")");
}

TEST(Json, ValidSequenceAfterInvalidByteIsKept) {
  EXPECT_EQ(troupe::wire::json_string("\xff\xc3\xa9"), "\"\\u00ff\xc3\xa9\"");
}

// RFC 3629 forbids UTF-8-encoded surrogates (ED A0..BF xx), overlong
// three- and four-byte forms (E0 80..9F xx, F0 80..8F xx xx) and code points
// above U+10FFFF (F4 90..BF xx xx). Copying them verbatim makes the output
// invalid UTF-8, which strict JSON parsers reject.
TEST(Json, EscapesSurrogatesAndOverlongThreeAndFourByteForms) {
  EXPECT_EQ(troupe::wire::json_string("\xed\xa0\x80"),
            R"("\u00ed\u00a0\u0080")");
  EXPECT_EQ(troupe::wire::json_string("\xe0\x80\xaf"),
            R"("\u00e0\u0080\u00af")");
  EXPECT_EQ(troupe::wire::json_string("\xf0\x80\x80\xaf"),
            R"("\u00f0\u0080\u0080\u00af")");
  EXPECT_EQ(troupe::wire::json_string("\xf4\x90\x80\x80"),
            R"("\u00f4\u0090\u0080\u0080")");
}

} // namespace
