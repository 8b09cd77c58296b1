#pragma once

#include "actors/ingress/gateway.hpp"

#include <caf/timespan.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::ingress {

/// Detached job `id` of `owner` for a caller of the gateway `self`: from
/// this node's keeper when the id names this node, else from the member
/// the id names, through its gateway (only for callers of this process: a
/// member asking is answered for jobs held here alone, so a request never
/// travels further). A member that is down or left answers `lost`; one not
/// in the view, `unknown`; one that is up but not connected, or that does
/// not answer in time, an error (the caller may ask again).
caf::result<int32_t, std::string>
get_detached(gateway_actor::stateful_pointer<gateway_state> self,
             std::string owner, std::string id, caf::timespan wait);

/// Cancels `owner`'s detached jobs among `ids`, each at the member its id
/// names (as `get_detached` reaches it); answers how many had not ended.
/// Members that cannot be reached count none.
caf::result<uint32_t>
cancel_detached(gateway_actor::stateful_pointer<gateway_state> self,
                std::string owner, std::vector<std::string> ids);

} // namespace troupe::ingress
