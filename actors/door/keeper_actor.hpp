#pragma once

#include "actors/door/result_keeper.hpp"
#include "messages/interfaces.hpp"

#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace troupe::door {

/// State of a keeper actor: the requests waiting for a job to end.
struct keeper_actor_state {
  static constexpr const char* name = "keeper";

  struct pending_wait {
    caf::typed_response_promise<int32_t, std::string> promise;
    /// The keeper's number for the wait (0 until it took it).
    uint64_t waiter = 0;
  };

  std::shared_ptr<result_keeper> keeper;
  /// Where cancelled jobs go (the gateway's registered name).
  gateway_actor gateway;
  uint64_t next_wait = 1;
  std::unordered_map<uint64_t, pending_wait> waits;
};

/// Answers the gateway for the door's detached jobs: how the clients of
/// other members (and, through the gateway, any caller of this process)
/// reach a job this node holds. The keeper's callbacks come back as
/// messages, so every promise is delivered on the actor's own thread.
keeper_actor::behavior_type
keeper_service(keeper_actor::stateful_pointer<keeper_actor_state> self,
               std::shared_ptr<result_keeper> keeper, gateway_actor gateway);

} // namespace troupe::door
