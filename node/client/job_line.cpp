#include "node/client/job_line.hpp"

#include "config/node_config.hpp"
#include "messages/errors.hpp"
#include "messages/wire/json_reader.hpp"

#include <cmath>

namespace troupe::client {

namespace {

caf::error bad(const std::string& what) {
  return caf::make_error(error_code::malformed_message, what);
}

// A whole number in [lo, hi] from a JSON number.
bool whole(const wire::json_value& v, double lo, double hi, int64_t& out) {
  auto* x = v.get_if<double>();
  if (x == nullptr || std::floor(*x) != *x || *x < lo || *x > hi)
    return false;
  out = static_cast<int64_t>(*x);
  return true;
}

caf::expected<caf::timespan> read_timeout(const wire::json_value& v) {
  if (auto* str = v.get_if<std::string>()) {
    auto t = config::parse_duration(*str);
    if (t && *t > caf::timespan{0})
      return std::min(*t, max_job_timeout);
  } else if (auto* x = v.get_if<double>(); x && *x > 0 && std::isfinite(*x)) {
    auto ns = std::min(*x * 1e6, static_cast<double>(max_job_timeout.count()));
    return caf::timespan{static_cast<int64_t>(ns)};
  }
  return bad("\"timeout\" must be a positive duration such as \"500ms\" or "
             "a number of milliseconds");
}

} // namespace

caf::expected<job> parse_job_line(std::string_view line) {
  auto doc = wire::parse_json(line);
  if (!doc)
    return doc.error();
  auto* members = doc->get_if<wire::json_value::object>();
  if (members == nullptr)
    return bad(std::string{"expected a JSON object, got "} + doc->type_name());
  job j;
  bool has_skill = false;
  for (auto& [key, v] : *members) {
    if (key == "skill") {
      auto* str = v.get_if<std::string>();
      if (str == nullptr || str->empty())
        return bad("\"skill\" must be a non-empty string");
      j.skill = *str;
      has_skill = true;
    } else if (key == "input") {
      auto* str = v.get_if<std::string>();
      if (str == nullptr)
        return bad(std::string{"\"input\" must be a string, got "}
                   + v.type_name());
      j.input = *str;
    } else if (key == "timeout") {
      auto t = read_timeout(v);
      if (!t)
        return t.error();
      j.options.timeout = *t;
    } else if (key == "priority") {
      int64_t p = 0;
      if (!whole(v, -1e9, 1e9, p))
        return bad("\"priority\" must be a whole number");
      j.options.priority = static_cast<int32_t>(p);
    } else if (key == "max_attempts") {
      int64_t n = 0;
      if (!whole(v, 1, 100, n))
        return bad("\"max_attempts\" must be a whole number in 1..100");
      j.options.max_attempts = static_cast<uint32_t>(n);
    } else if (key == "cache") {
      auto* str = v.get_if<std::string>();
      if (str != nullptr && *str == "normal")
        j.options.cache = cache_mode::normal;
      else if (str != nullptr && *str == "bypass")
        j.options.cache = cache_mode::bypass;
      else if (str != nullptr && *str == "refresh")
        j.options.cache = cache_mode::refresh;
      else
        return bad("\"cache\" must be \"normal\", \"bypass\" or \"refresh\"");
    } else {
      return bad("unknown member \"" + key
                 + "\" (known: skill, input, timeout, priority, cache, "
                   "max_attempts)");
    }
  }
  if (!has_skill)
    return bad("missing \"skill\"");
  return j;
}

} // namespace troupe::client
