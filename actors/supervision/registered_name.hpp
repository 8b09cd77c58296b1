#pragma once

#include "actors/supervision/succession.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_config.hpp>
#include <caf/actor_system.hpp>
#include <caf/execution_unit.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/monitorable_actor.hpp>

namespace troupe::supervision {

/// A stable handle to a supervised child, as an Erlang registered name or an
/// Akka ActorRef is: whatever is sent to it reaches the child's current
/// incarnation, and waits in the child's succession (bounded, answered when
/// the node stops) while there is none. It exists from the moment the
/// child's spec is made, before the first incarnation runs, so siblings get
/// it when the tree is built and never look an actor up or re-point a
/// handle when the child restarts.
///
/// A name does not end while anyone holds it (watching it says nothing of
/// the child's restarts) and does not count as a running actor.
class registered_name final : public caf::monitorable_actor {
 public:
  registered_name(caf::actor_config& cfg, succession_ptr heirs);

  void enqueue(caf::mailbox_element_ptr x, caf::execution_unit* eu) override;

  const char* name() const override;

  void on_destroy() override;

 private:
  succession_ptr heirs_;
};

/// A name for the child whose incarnations take over `heirs`, as a handle of
/// the child's type.
caf::strong_actor_ptr make_registered_name(caf::actor_system& sys,
                                           succession_ptr heirs);

template <class Handle>
Handle make_registered_name(caf::actor_system& sys, succession_ptr heirs) {
  return caf::actor_cast<Handle>(make_registered_name(sys, std::move(heirs)));
}

} // namespace troupe::supervision
