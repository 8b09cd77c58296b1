#pragma once

#include "messages/interfaces.hpp"

#include <caf/io/middleman.hpp>
#include <caf/node_id.hpp>

#include <set>
#include <string>

namespace troupe::cluster {

/// Splits "HOST:PORT" (port 1..65535); false when it is not one.
bool split_address(const std::string& address, std::string& host,
                   uint16_t& port);

/// Connects `self` to the troupe gateway at `address` without blocking it
/// (through the middleman actor; CAF's `remote_actor` would block the
/// actor's thread). Calls `ok(gateway_actor)` on success, or `fail(why)`
/// with a sentence for logs and messages.
template <class Self, class Ok, class Fail>
void connect_gateway(Self* self, const std::string& address,
                     caf::timespan timeout, Ok ok, Fail fail) {
  std::string host;
  uint16_t port = 0;
  if (!split_address(address, host, port)) {
    fail("'" + address + "' is not HOST:PORT");
    return;
  }
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, timeout, caf::connect_atom::value, host, port)
    .then(
      [self, address, ok, fail](const caf::node_id&, caf::strong_actor_ptr& ptr,
                                const std::set<std::string>& ifs) mutable {
        if (!ptr || !self->system().template assignable<gateway_actor>(ifs)) {
          fail(address + " is not a compatible troupe node");
          return;
        }
        ok(caf::actor_cast<gateway_actor>(std::move(ptr)));
      },
      [self, address, fail](caf::error& err) mutable {
        fail("cannot reach " + address + " (" + self->system().render(err)
             + ")");
      });
}

} // namespace troupe::cluster
