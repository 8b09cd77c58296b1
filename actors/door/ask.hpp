#pragma once

#include "actors/door/door_context.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include <grpcpp/grpcpp.h>

#include <memory>
#include <utility>

namespace troupe::door {

/// The gRPC status for an actor's refusal or silence.
inline grpc::Status status_of(const caf::error& err) {
  if (err == caf::sec::request_timeout)
    return {grpc::StatusCode::UNAVAILABLE,
            "the node did not answer in time: " + message_of(err)};
  if (err.category() == caf::atom("troupe")
      && static_cast<error_code>(err.code()) == error_code::rejected)
    return {grpc::StatusCode::FAILED_PRECONDITION, message_of(err)};
  return {grpc::StatusCode::UNAVAILABLE,
          "the node could not answer: " + message_of(err)};
}

/// Sends a request to one of the node's actors from the door's thread,
/// which must not block: a short-lived actor waits up to `timeout` for the
/// answer, gives it to `on_answer` (on the actor's thread) or answers
/// `call` with the error.
template <class Call, class Handle, class OnAnswer, class... Ts>
void ask_within(const door_context& door, std::shared_ptr<Call> call,
                caf::timespan timeout, const Handle& to, OnAnswer on_answer,
                Ts... xs) {
  door.sys->spawn([=](caf::event_based_actor* self) {
    self->request(to, timeout, xs...).then(on_answer, [call](caf::error& err) {
      call->finish(status_of(err));
    });
  });
}

/// `ask_within` the door's query timeout.
template <class Call, class Handle, class OnAnswer, class... Ts>
void ask(const door_context& door, std::shared_ptr<Call> call, const Handle& to,
         OnAnswer on_answer, Ts... xs) {
  ask_within(door, std::move(call), door.limits.query_timeout, to,
             std::move(on_answer), std::move(xs)...);
}

} // namespace troupe::door
