#pragma once

#include "messages/job.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>
#include <vector>

namespace troupe {

/// Where a node's gateway delivers the results of jobs that a client of
/// the same process submitted without being an actor: the gRPC door's
/// streams and calls. The gateway calls `deliver` on its own thread, with
/// results carrying the ids the port gave its jobs; an implementation must
/// not block.
class result_port {
 public:
  virtual ~result_port() = default;

  /// Takes these results (the port may move them out).
  virtual void deliver(std::vector<job_result>& results) = 0;
};

/// A port as messages carry it; it never leaves the process.
using result_port_ptr = std::shared_ptr<result_port>;

} // namespace troupe

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::result_port_ptr)
