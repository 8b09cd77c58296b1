#include "actors/node_supervisor.hpp"

#include "config/logging.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

namespace troupe {

namespace {

void stop_children(caf::stateful_actor<node_supervisor_state>* self,
                   const caf::error& reason) {
  auto& children = self->state.children;
  for (auto i = children.rbegin(); i != children.rend(); ++i) {
    self->demonitor(i->second);
    self->send_exit(i->second, reason);
  }
  children.clear();
}

} // namespace

caf::behavior
node_supervisor(caf::stateful_actor<node_supervisor_state>* self,
                std::vector<std::pair<std::string, caf::actor>> children) {
  self->state.children = std::move(children);
  for (auto& kv : self->state.children)
    self->monitor(kv.second);
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto& kv : self->state.children)
      if (kv.second.address() == dm.source) {
        log::node().error("node_supervisor: {} stopped: {}", kv.first,
                          describe(dm.reason));
        return;
      }
  });
  self->set_exit_handler([self](caf::exit_msg& em) {
    stop_children(self, caf::exit_reason::user_shutdown);
    self->quit(em.reason);
  });
  self->set_default_handler(caf::drop);
  return {
    [self](atom::stop) {
      log::node().info("node_supervisor: stopping {} children",
                       self->state.children.size());
      stop_children(self, caf::exit_reason::user_shutdown);
      self->quit();
    },
  };
}

} // namespace troupe
