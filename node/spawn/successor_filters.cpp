#include "node/spawn/successor_filters.hpp"

#include "messages/interfaces.hpp"

#include <caf/system_messages.hpp>

namespace troupe::node {

bool any_message(const caf::mailbox_element& x) {
  auto& msg = x.content();
  return !x.mid.is_response() && !msg.match_elements<caf::down_msg>()
         && !msg.match_elements<caf::exit_msg>();
}

bool jobs_and_status(const caf::mailbox_element& x) {
  auto& msg = x.content();
  return msg.match_elements<job, result_sink_actor>()
         || msg.match_elements<job, cache_key, job_runner_actor,
                               result_sink_actor>()
         || msg.match_elements<atom::status>();
}

bool any_but_results(const caf::mailbox_element& x) {
  return any_message(x) && !x.content().match_elements<job_result>();
}

} // namespace troupe::node
