#include "messages/errors.hpp"

namespace troupe {

std::string to_string(error_code x) {
  switch (x) {
    case error_code::none:
      return "none";
    case error_code::malformed_message:
      return "malformed_message";
    case error_code::protocol_mismatch:
      return "protocol_mismatch";
    case error_code::invalid_config:
      return "invalid_config";
    case error_code::node_unreachable:
      return "node_unreachable";
    case error_code::port_in_use:
      return "port_in_use";
    case error_code::timeout:
      return "timeout";
    case error_code::rejected:
      return "rejected";
    case error_code::gave_up:
      return "gave_up";
    case error_code::crash_injected:
      return "crash_injected";
    case error_code::process_start_failed:
      return "process_start_failed";
  }
  return "unknown";
}

} // namespace troupe

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace troupe {

namespace {

std::string context_text(const caf::error& err) {
  std::string out;
  const auto& ctx = err.context();
  for (size_t i = 0; i < ctx.size(); ++i) {
    if (ctx.match_element<std::string>(i)) {
      if (!out.empty())
        out += ": ";
      out += ctx.get_as<std::string>(i);
    }
  }
  return out;
}

} // namespace

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  std::string out;
  if (err.category() == caf::atom("troupe"))
    out = to_string(static_cast<error_code>(err.code()));
  else if (err.category() == caf::atom("system"))
    out = caf::to_string(static_cast<caf::sec>(err.code()));
  else
    out = caf::to_string(err);
  auto ctx = context_text(err);
  if (!ctx.empty()) {
    out += ": ";
    out += ctx;
  }
  return out;
}

std::string message_of(const caf::error& err) {
  auto ctx = context_text(err);
  return ctx.empty() ? describe(err) : ctx;
}

} // namespace troupe
