#pragma once

#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/intrusive/task_result.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>
#include <caf/scheduled_actor.hpp>

namespace troupe::base {

namespace detail {

template <class F>
struct salvager {
  F& fn;
  caf::detail::sync_request_bouncer bounce;

  void operator()(caf::mailbox_element& x) {
    if (!fn(x))
      bounce(x);
  }

  // Unwraps the nested queues of the mailbox (see sync_request_bouncer).
  template <class Key, class Queue, class... Ts>
  caf::intrusive::task_result operator()(const Key&, const Queue&, Ts&... xs) {
    (*this)(xs...);
    return caf::intrusive::task_result::resume;
  }
};

} // namespace detail

/// An actor that can stop taking messages before its mailbox closes, so
/// that what arrives afterwards goes elsewhere instead of being dropped
/// (see supervised_actor.hpp).
class retiring_actor {
 public:
  virtual ~retiring_actor() = default;

  /// From now on, messages to the actor bypass its mailbox.
  virtual void retire() = 0;
};

/// Closes the mailbox of `self`, which is terminating, and hands every
/// message still in it to `fn(caf::mailbox_element&)`; messages `fn` does
/// not take (it returns false) are dropped, and requests among them get an
/// error response, as CAF itself would do a moment later. Without this, CAF
/// silently drops what a dying actor had not read yet, such as jobs.
///
/// A supervised actor first retires (see `retiring_actor`), so that no
/// message falls between the closed mailbox and its successor.
///
/// Call only from the actor itself while it terminates (its state's
/// destructor, see `last_will`). Relies on CAF 0.17's mailbox layout
/// (`scheduled_actor::mailbox()` and its queues).
template <class F>
void salvage_mailbox(caf::scheduled_actor* self, F fn) {
  auto& mb = self->mailbox();
  if (mb.closed())
    return;
  if (auto* r = dynamic_cast<retiring_actor*>(self))
    r->retire();
  mb.close();
  self->get_normal_queue().flush_cache();
  self->get_urgent_queue().flush_cache();
  detail::salvager<F> visitor{
    fn, caf::detail::sync_request_bouncer{self->fail_state()}};
  while (mb.queue().new_round(1000, visitor).consumed_items)
    ; // nop
}

} // namespace troupe::base
