#pragma once

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include <cstdint>
#include <string>

namespace troupe {

/// Errors troupe's own functions return (as `caf::error`). Job outcomes are
/// not errors: they travel as `job_status` inside a `job_result`.
enum class error_code : uint8_t {
  none = 0,
  malformed_message,    ///< bytes that do not parse as the expected protobuf
  protocol_mismatch,    ///< a peer speaking another protocol version
  invalid_config,       ///< a config value out of range or of the wrong type
  node_unreachable,     ///< no troupe node listens at the address
  port_in_use,          ///< the node could not bind its port
  timeout,              ///< a control request got no answer in time
  rejected,             ///< the node refused a request and said why
  process_start_failed, ///< a worker process could not be started
  gave_up,              ///< a supervisor exceeded its restart intensity
  crash_injected,       ///< a test made an actor crash on purpose
};

/// Lower-case name of the code, e.g. `malformed_message`.
std::string to_string(error_code x);

} // namespace troupe

CAF_ERROR_CODE_ENUM(troupe::error_code, "troupe")

namespace troupe {

/// Renders an error for people without needing an actor system: the code's
/// name followed by any text context, e.g. `node_unreachable: cannot reach
/// node 127.0.0.1:4710`.
std::string describe(const caf::error& err);

/// Only the text context of an error when there is one, else `describe`.
std::string message_of(const caf::error& err);

} // namespace troupe
