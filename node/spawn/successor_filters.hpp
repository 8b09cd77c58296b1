#pragma once

#include <caf/mailbox_element.hpp>

// Which messages to an ended incarnation of a supervised actor go on to the
// next one (the `filter` of `supervised_child`, node/spawn/tree_context.hpp);
// the rest are dropped.
namespace troupe::node {

/// Messages that mean the same to any incarnation: everything but responses
/// to its own requests and notices about what it monitored or linked to.
bool any_message(const caf::mailbox_element& x);

/// Jobs and status requests, for pools and cache shards: results and
/// tickets are local to an incarnation.
bool jobs_and_status(const caf::mailbox_element& x);

/// `any_message` but job results, for breakers and the router: the ids of a
/// breaker's attempts and of the router's requests are their own, so
/// results of them go nowhere.
bool any_but_results(const caf::mailbox_element& x);

} // namespace troupe::node
