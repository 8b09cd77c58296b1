#include "actors/log/logging.hpp"
#include "messages/wire/json_reader.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace log = troupe::log;
using troupe::wire::json_value;

// A logger writing in `fmt` into a string instead of stderr.
struct captured {
  explicit captured(log::format fmt, std::string name = "node")
      : sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(out)),
        logger(std::move(name), sink) {
    sink->set_formatter(log::make_formatter(fmt));
    logger.set_level(spdlog::level::trace);
  }

  std::vector<std::string> lines() const {
    std::vector<std::string> result;
    std::istringstream in{out.str()};
    for (std::string line; std::getline(in, line);)
      result.push_back(line);
    return result;
  }

  std::ostringstream out;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink;
  spdlog::logger logger;
};

// The one JSON object of `line`, failing the test if it is none.
json_value object_of(const std::string& line) {
  auto value = troupe::wire::parse_json(line);
  EXPECT_TRUE(value) << line;
  if (!value)
    return {};
  EXPECT_NE(value->get_if<json_value::object>(), nullptr) << line;
  return std::move(*value);
}

std::string string_field(const json_value& obj, std::string_view key) {
  auto* field = obj.find(key);
  auto* str = field != nullptr ? field->get_if<std::string>() : nullptr;
  return str != nullptr ? *str : "<no string " + std::string{key} + ">";
}

TEST(LogFormat, ParsesTextAndJsonOnly) {
  EXPECT_EQ(log::parse_format("text"), log::format::text);
  EXPECT_EQ(log::parse_format("json"), log::format::json);
  EXPECT_FALSE(log::parse_format("JSON"));
  EXPECT_FALSE(log::parse_format("xml"));
  EXPECT_FALSE(log::parse_format(""));
}

TEST(LogFormat, JsonLineNamesTimeLevelLoggerAndMessage) {
  captured c{log::format::json, "cluster"};
  c.logger.warn("member {} is down", "beta");
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u) << c.out.str();
  auto obj = object_of(lines[0]);
  EXPECT_TRUE(
    std::regex_match(string_field(obj, "ts"),
                     std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"}))
    << lines[0];
  EXPECT_EQ(string_field(obj, "level"), "warning");
  EXPECT_EQ(string_field(obj, "logger"), "cluster");
  EXPECT_EQ(string_field(obj, "msg"), "member beta is down");
  EXPECT_EQ(obj.find("job"), nullptr) << lines[0];
  // The fields come in a fixed order, so lines are easy to read too.
  EXPECT_EQ(lines[0].rfind("{\"ts\":\"", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("\",\"level\":\"warning\",\"logger\":\"cluster\","
                          "\"msg\":\"member beta is down\"}"),
            std::string::npos)
    << lines[0];
}

TEST(LogFormat, JsonEscapesWhatAStringCannotHoldAsItIs) {
  captured c{log::format::json};
  // Quotes, backslashes, line breaks and other control characters, DEL,
  // valid UTF-8 of 2, 3 and 4 bytes, and bytes that are not UTF-8: a stray
  // continuation byte, a truncated sequence, an overlong form, a surrogate.
  std::string msg = "say \"hi\" C:\\dir\r\nnext\tline\x01\x1f\x7f "
                    "\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 "
                    "\x80 \xe2\x9c \xc0\xaf \xed\xa0\x80 \xff";
  c.logger.info("{}", msg);
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u) << c.out.str();
  auto& line = lines[0];
  EXPECT_NE(line.find(R"(say \"hi\" C:\\dir\r\nnext\tline\u0001\u001f\u007f )"),
            std::string::npos)
    << line;
  EXPECT_NE(line.find("\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 "),
            std::string::npos)
    << line;
  EXPECT_NE(line.find(R"(\u0080 \u00e2\u009c \u00c0\u00af \u00ed\u00a0\u0080 )"
                      R"(\u00ff")"),
            std::string::npos)
    << line;
  // Each byte that is not UTF-8 reads back as the code point of its value.
  auto obj = object_of(line);
  EXPECT_EQ(
    string_field(obj, "msg"),
    "say \"hi\" C:\\dir\r\nnext\tline\x01\x1f\x7f "
    "\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 "
    "\xc2\x80 \xc3\xa2\xc2\x9c \xc3\x80\xc2\xaf \xc3\xad\xc2\xa0\xc2\x80 "
    "\xc3\xbf");
}

TEST(LogFormat, JsonGivesOneObjectPerLine) {
  captured c{log::format::json};
  for (int i = 0; i < 50; ++i)
    c.logger.info("line {}\nwith a break\n", i);
  c.logger.info("");
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 51u) << c.out.str();
  for (size_t i = 0; i < 50; ++i)
    EXPECT_EQ(string_field(object_of(lines[i]), "msg"),
              "line " + std::to_string(i) + "\nwith a break\n");
  EXPECT_EQ(string_field(object_of(lines[50]), "msg"), "");
}

TEST(LogFormat, TextKeepsItsShape) {
  captured c{log::format::text};
  c.logger.info("node {} ready", "alpha");
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u) << c.out.str();
  EXPECT_TRUE(std::regex_match(
    lines[0],
    std::regex{
      R"(\[\d\d:\d\d:\d\d\.\d{3}\] \[node\] \[info\] node alpha ready)"}))
    << lines[0];
}

TEST(LogAboutJob, TextPrefixesTheJob) {
  captured c{log::format::text};
  log::about_job(c.logger, spdlog::level::debug, 42, "queued behind {} jobs",
                 7);
  c.logger.debug("not about a job");
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 2u) << c.out.str();
  EXPECT_NE(lines[0].find("] [debug] [job 42] queued behind 7 jobs"),
            std::string::npos)
    << lines[0];
  EXPECT_EQ(lines[1].find("[job"), std::string::npos) << lines[1];
}

TEST(LogAboutJob, JsonGivesTheJobItsOwnField) {
  captured c{log::format::json};
  log::about_job(c.logger, spdlog::level::info, 18446744073709551615u,
                 "attempt {} failed", 2);
  c.logger.info("not about a job");
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 2u) << c.out.str();
  EXPECT_NE(lines[0].find(",\"job\":18446744073709551615,\"msg\":\"attempt 2 "
                          "failed\"}"),
            std::string::npos)
    << lines[0];
  auto obj = object_of(lines[0]);
  ASSERT_NE(obj.find("job"), nullptr);
  EXPECT_NE(obj.find("job")->get_if<double>(), nullptr);
  EXPECT_EQ(object_of(lines[1]).find("job"), nullptr) << lines[1];
}

TEST(LogAboutJob, BelowTheLevelWritesNothing) {
  captured c{log::format::json};
  c.logger.set_level(spdlog::level::info);
  log::about_job(c.logger, spdlog::level::debug, 1, "hidden {}", 1);
  EXPECT_EQ(c.out.str(), "");
}

TEST(LogJobScope, NestsAndEndsWithItsBlock) {
  EXPECT_FALSE(log::current_job());
  {
    log::job_scope outer{1};
    EXPECT_EQ(log::current_job(), 1u);
    {
      log::job_scope inner{2};
      EXPECT_EQ(log::current_job(), 2u);
    }
    EXPECT_EQ(log::current_job(), 1u);
  }
  EXPECT_FALSE(log::current_job());
}

TEST(LogJobScope, MarksEveryLineOfItsThreadOnly) {
  captured c{log::format::json};
  log::job_scope scope{7};
  c.logger.info("here");
  std::thread other{[&] {
    c.logger.info("elsewhere");
  }};
  other.join();
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 2u) << c.out.str();
  EXPECT_NE(object_of(lines[0]).find("job"), nullptr) << lines[0];
  EXPECT_EQ(object_of(lines[1]).find("job"), nullptr) << lines[1];
}

} // namespace
