#pragma once

#include "actors/base/diverting_actor.hpp"
#include "actors/supervision/succession.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_config.hpp>
#include <caf/mailbox_element.hpp>

#include <functional>
#include <utility>

namespace troupe::supervision {

/// Which messages to an ended incarnation go on to its successor (those
/// that mean the same to any incarnation, such as jobs); the others are
/// dropped, and requests among them get an error.
using forward_filter = std::function<bool(const caf::mailbox_element&)>;

/// A typed stateful actor as the node's supervisors run it: the actor's own
/// behavior function plus a succession. Messages that reach an incarnation
/// after it stopped taking them (during its last will, or after it ended)
/// go to its successor instead of being lost (see diverting_actor.hpp);
/// what is still in the mailbox at the end goes the same way, unless the
/// actor's own last will took it.
///
/// The behavior function is any `Handle::behavior_type(pointer)` taking the
/// usual `Handle::stateful_pointer<State>`; the actor's code does not know
/// it runs supervised.
template <class Handle, class State>
class supervised_actor final : public base::diverting_actor<Handle, State> {
 public:
  using super = base::diverting_actor<Handle, State>;
  using pointer = typename super::pointer;
  using init_fn = typename super::init_fn;

  supervised_actor(caf::actor_config& cfg, init_fn init, succession_ptr heirs,
                   forward_filter filter)
      : super(cfg, take_over_first(std::move(init), heirs),
              to_successor(heirs, std::move(filter))),
        heirs_(std::move(heirs)) {
    // nop
  }

  // From here on, what is sent to the child's name waits for the next
  // incarnation, like what is sent to this one (senders' threads may
  // remember this incarnation as the current one).
  void retire() override {
    super::retire();
    heirs_->vacate(this->ctrl());
  }

 private:
  // The successor takes over the succession before it runs its behavior.
  static init_fn take_over_first(init_fn init, succession_ptr heirs) {
    return [init = std::move(init), heirs](pointer self) {
      heirs->take_over(caf::actor_cast<caf::strong_actor_ptr>(self));
      return init(self);
    };
  }

  static base::divert_fn to_successor(succession_ptr heirs,
                                      forward_filter filter) {
    return [heirs, filter = std::move(filter)](caf::mailbox_element_ptr& x,
                                               const caf::actor_addr& from) {
      if (!filter || !filter(*x))
        return false;
      heirs->forward(std::move(x), from.get());
      return true;
    };
  }

  succession_ptr heirs_;
};

} // namespace troupe::supervision
