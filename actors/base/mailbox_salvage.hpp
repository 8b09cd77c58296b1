#pragma once

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/mailbox_element.hpp>

#include <functional>

namespace troupe::base {

/// An actor that can stop taking messages before its mailbox closes, so
/// that what arrives afterwards goes elsewhere instead of being dropped
/// (see supervised_actor.hpp).
class retiring_actor {
 public:
  virtual ~retiring_actor() = default;

  /// From now on, messages to the actor bypass its mailbox.
  virtual void retire() = 0;

  /// Takes a message its closed mailbox still held that its own code left:
  /// it goes where messages sent after `retire` go, or is answered as CAF
  /// answers a message to an ended actor (requests get an error).
  virtual void pass_on(caf::mailbox_element& x) = 0;
};

/// Takes one message of a closed mailbox: true when it took it.
using salvage_fn = std::function<bool(caf::mailbox_element&)>;

/// Closes the mailbox of `self`, which is terminating, and hands every
/// message still in it to `fn`. Messages `fn` does not take (it returns
/// false) go on to a retiring actor's successor (see `retiring_actor`);
/// for any other actor they are dropped, and requests among them get an
/// error response, as CAF itself would do a moment later. Without this,
/// CAF silently drops what a dying actor had not read yet, such as jobs.
///
/// A supervised actor first retires, so that no message falls between the
/// closed mailbox and its successor.
///
/// Call only from the actor itself while it terminates (its state's
/// destructor, see `last_will`). Relies on CAF 0.17's mailbox layout
/// (`scheduled_actor::mailbox()` and its queues), kept in the .cpp file.
void salvage_mailbox(caf::scheduled_actor* self, const salvage_fn& fn);

/// Answers `x` with `reason` when it is a request, as CAF does for a
/// message to an ended actor; does nothing for other messages.
void bounce_request(caf::mailbox_element& x, const caf::error& reason);

} // namespace troupe::base
