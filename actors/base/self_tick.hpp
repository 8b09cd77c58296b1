#pragma once

#include "messages/atoms.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

namespace troupe::base {

/// Arms one `tick` message from an actor to itself for `when`, unless one
/// for that time or earlier is armed already. `due` is the actor's record of
/// the armed tick (`time_point::max()` = none); the tick handler resets it
/// before arming the next. For actors that keep their own deadlines (pools,
/// breakers, batchers) and want at most one timer in flight.
template <class Self>
void arm_self_tick(Self self, caf::actor_clock::time_point& due,
                   caf::actor_clock::time_point when) {
  if (when >= due)
    return;
  due = when;
  auto now = self->clock().now();
  self->delayed_send(self, when > now ? when - now : caf::timespan{0},
                     atom::tick::value);
}

} // namespace troupe::base
