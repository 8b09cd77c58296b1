#include "actors/supervision/registered_name.hpp"

#include <caf/exit_reason.hpp>
#include <caf/make_actor.hpp>

#include <utility>

namespace troupe::supervision {

registered_name::registered_name(caf::actor_config& cfg, succession_ptr heirs)
    : caf::monitorable_actor(cfg), heirs_(std::move(heirs)) {
  // Deliberately not registered as running: a name held by a stopped
  // node's leftovers must not keep the actor system from shutting down.
}

void registered_name::enqueue(caf::mailbox_element_ptr x,
                              caf::execution_unit* eu) {
  heirs_->deliver(std::move(x), ctrl(), eu);
}

const char* registered_name::name() const {
  return "registered_name";
}

void registered_name::on_destroy() {
  if (!getf(is_cleaned_up_flag)) {
    cleanup(caf::exit_reason::unreachable, nullptr);
    monitorable_actor::on_destroy();
  }
}

caf::strong_actor_ptr make_registered_name(caf::actor_system& sys,
                                           succession_ptr heirs) {
  caf::actor_config cfg;
  return caf::make_actor<registered_name, caf::strong_actor_ptr>(
    sys.next_actor_id(), sys.node(), &sys, cfg, std::move(heirs));
}

} // namespace troupe::supervision
