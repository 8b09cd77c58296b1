#pragma once

#include "cluster/member_links.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"

#include <caf/event_based_actor.hpp>

#include <string>

namespace troupe::cluster {

/// Splits "HOST:PORT" (port 1..65535); false when it is not one.
bool split_address(const std::string& address, std::string& host,
                   uint16_t& port);

/// Reaches the gateway of the member at `address` (named `name`, or
/// whoever is there when `name` is empty) through the node's member links
/// without blocking `self`. Calls `ok(gateway_actor)` with the link that
/// stands for it, or `fail(why)` with a sentence for logs and messages.
template <class Self, class Ok, class Fail>
void connect_gateway(Self* self, const links_actor& links,
                     const std::string& address, const std::string& name,
                     caf::timespan timeout, Ok ok, Fail fail) {
  std::string host;
  uint16_t port = 0;
  if (!split_address(address, host, port)) {
    fail("'" + address + "' is not HOST:PORT");
    return;
  }
  if (!links) {
    fail("this node has no member links");
    return;
  }
  self->request(links, timeout, atom::link::value, address, name)
    .then(
      [ok](gateway_actor& gw) mutable {
        ok(std::move(gw));
      },
      [address, fail](caf::error& err) mutable {
        fail(message_of(err));
      });
}

} // namespace troupe::cluster
