#include "messages/errors.hpp"
#include "messages/wire/json_reader.hpp"
#include "node/client/job_line.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using troupe::message_of;
using troupe::client::parse_job_line;
using troupe::wire::json_value;
using troupe::wire::parse_json;

TEST(JsonReader, ParsesEveryKindOfValue) {
  auto doc = troupe::wire::parse_json(
    R"( {"s":"a\"b\\c\/\n\t","n":-12.5e1,"t":true,"f":false,"z":null,"a":[1,[]],"o":{}} )");
  ASSERT_TRUE(doc) << message_of(doc.error());
  EXPECT_EQ(*doc->find("s")->get_if<std::string>(), "a\"b\\c/\n\t");
  EXPECT_DOUBLE_EQ(*doc->find("n")->get_if<double>(), -125.0);
  EXPECT_EQ(*doc->find("t")->get_if<bool>(), true);
  EXPECT_EQ(*doc->find("f")->get_if<bool>(), false);
  EXPECT_NE(doc->find("z")->get_if<std::nullptr_t>(), nullptr);
  EXPECT_EQ(doc->find("a")->get_if<troupe::wire::json_value::array>()->size(),
            2u);
  EXPECT_TRUE(
    doc->find("o")->get_if<troupe::wire::json_value::object>()->empty());
  EXPECT_EQ(doc->find("missing"), nullptr);
}

TEST(JsonReader, DecodesUnicodeEscapesToUtf8) {
  auto doc = troupe::wire::parse_json(R"("\u00e9\u20ac\ud83d\ude00")");
  ASSERT_TRUE(doc);
  EXPECT_EQ(*doc->get_if<std::string>(),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(JsonReader, RefusesMalformedInputWithAColumn) {
  for (auto bad : {"", "{", "{\"a\"}", "{\"a\":}", "[1,]", "01", "1.",
                   "\"unterminated", "tru", "{\"a\":1}x", "\"\\x\"",
                   "\"\\ud800\"", "\"\\udc00\"", "\"raw\x01\"", "1e999"}) {
    auto doc = troupe::wire::parse_json(bad);
    EXPECT_FALSE(doc) << "accepted: " << bad;
    if (!doc) {
      EXPECT_NE(message_of(doc.error()).find("invalid JSON at column"),
                std::string::npos);
    }
  }
}

// JSON text is UTF-8 (RFC 8259): a string holding anything else is refused
// where it is, not later by protobuf for a whole batch of jobs.
TEST(JsonReader, RefusesInvalidUtf8InStrings) {
  for (std::string bad :
       {"\"ec\xffho\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "{\"k\xfe\":1}"}) {
    auto doc = troupe::wire::parse_json(bad);
    EXPECT_FALSE(doc) << "accepted: " << bad;
    if (!doc) {
      EXPECT_NE(message_of(doc.error()).find("UTF-8"), std::string::npos)
        << message_of(doc.error());
    }
  }
  auto doc
    = troupe::wire::parse_json("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  ASSERT_TRUE(doc) << message_of(doc.error());
  EXPECT_EQ(*doc->get_if<std::string>(),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(JobLine, ALineWithInvalidUtf8IsRefusedNamingTheProblem) {
  auto j = troupe::client::parse_job_line(
    "{\"skill\": \"ec\xffho\", \"input\": \"x\"}");
  ASSERT_FALSE(j);
  EXPECT_NE(message_of(j.error()).find("column 14"), std::string::npos)
    << message_of(j.error());
  EXPECT_NE(message_of(j.error()).find("UTF-8"), std::string::npos)
    << message_of(j.error());
}

TEST(JsonReader, LimitsNesting) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto doc = troupe::wire::parse_json(deep);
  ASSERT_FALSE(doc);
  EXPECT_NE(message_of(doc.error()).find("nested"), std::string::npos);
}

TEST(JobLine, ReadsAllMembers) {
  auto j = troupe::client::parse_job_line(
    R"({"skill":"sha256","input":"abc","timeout":"1.5s",)"
    R"("priority":-3,"cache":"refresh","max_attempts":2})");
  ASSERT_TRUE(j) << message_of(j.error());
  EXPECT_EQ(j->skill, "sha256");
  EXPECT_EQ(j->input, "abc");
  EXPECT_EQ(j->options.timeout, caf::timespan{1500ms});
  EXPECT_EQ(j->options.priority, -3);
  EXPECT_EQ(j->options.cache, troupe::cache_mode::refresh);
  EXPECT_EQ(j->options.max_attempts, 2u);
}

TEST(JobLine, TimeoutMayBeMilliseconds) {
  auto j = troupe::client::parse_job_line(R"({"skill":"echo","timeout":250})");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->options.timeout, caf::timespan{250ms});
  EXPECT_EQ(j->input, "");
}

TEST(JobLine, RefusesWhatIsWrongAndSaysWhy) {
  auto why = [](const char* line) {
    auto j = troupe::client::parse_job_line(line);
    return j ? std::string{"accepted"} : message_of(j.error());
  };
  EXPECT_EQ(why(R"({"input":"x"})"), "missing \"skill\"");
  EXPECT_EQ(why(R"(["echo"])"), "expected a JSON object, got an array");
  EXPECT_NE(why(R"({"skill":""})").find("non-empty"), std::string::npos);
  EXPECT_NE(why(R"({"skill":"e","input":3})")
              .find("\"input\" must be a "
                    "string"),
            std::string::npos);
  EXPECT_NE(why(R"({"skill":"e","timeout":"soon"})").find("\"timeout\""),
            std::string::npos);
  EXPECT_NE(why(R"({"skill":"e","timeout":-1})").find("\"timeout\""),
            std::string::npos);
  EXPECT_NE(why(R"({"skill":"e","priority":1.5})").find("\"priority\""),
            std::string::npos);
  EXPECT_NE(why(R"({"skill":"e","cache":"maybe"})").find("\"cache\""),
            std::string::npos);
  EXPECT_NE(why(R"({"skill":"e","max_attempts":0})").find("1..100"),
            std::string::npos);
  EXPECT_NE(why(R"({"skil":"e"})").find("unknown member \"skil\""),
            std::string::npos);
  EXPECT_NE(why("{not json").find("invalid JSON"), std::string::npos);
}

} // namespace
