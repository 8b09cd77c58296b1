#include "actors/base/mailbox_salvage.hpp"

#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/intrusive/task_result.hpp>
#include <caf/message_id.hpp>
#include <caf/scheduled_actor.hpp>

namespace troupe::base {

namespace {

struct salvager {
  const salvage_fn& fn;
  retiring_actor* retiring;
  caf::detail::sync_request_bouncer bounce;

  void operator()(caf::mailbox_element& x) {
    if (fn(x))
      return;
    if (retiring)
      retiring->pass_on(x);
    else
      bounce(x);
  }

  // Unwraps the nested queues of the mailbox (see sync_request_bouncer).
  template <class Key, class Queue, class... Ts>
  caf::intrusive::task_result operator()(const Key&, const Queue&, Ts&... xs) {
    (*this)(xs...);
    return caf::intrusive::task_result::resume;
  }
};

} // namespace

void salvage_mailbox(caf::scheduled_actor* self, const salvage_fn& fn) {
  auto& mb = self->mailbox();
  if (mb.closed())
    return;
  auto* retiring = dynamic_cast<retiring_actor*>(self);
  if (retiring)
    retiring->retire();
  mb.close();
  self->get_normal_queue().flush_cache();
  self->get_urgent_queue().flush_cache();
  salvager visitor{fn, retiring,
                   caf::detail::sync_request_bouncer{self->fail_state()}};
  while (mb.queue().new_round(1000, visitor).consumed_items)
    ; // nop
}

void bounce_request(caf::mailbox_element& x, const caf::error& reason) {
  caf::detail::sync_request_bouncer{reason}(x);
}

} // namespace troupe::base
