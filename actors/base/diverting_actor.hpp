#pragma once

#include "actors/base/mailbox_salvage.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_config.hpp>
#include <caf/execution_unit.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <utility>

namespace troupe::base {

/// Takes a message that reached an actor after it stopped taking messages
/// (`from` is the actor's address): true when it took the message (moved
/// it somewhere), false to have it dropped like CAF drops messages to an
/// ended actor (requests get an error). Runs in the sender's thread, or in
/// the ending actor's, so it must be thread-safe and must not block.
using divert_fn = std::function<bool(caf::mailbox_element_ptr& x,
                                     const caf::actor_addr& from)>;

/// A typed stateful actor whose messages are never silently lost when it
/// ends: what is still in its mailbox when it ends, and every message sent
/// to it afterwards by anyone still holding its handle, goes to a divert
/// function instead (to a successor, to a failover handler). A gate in
/// `enqueue` and `retire` makes the hand-over exact: no message falls
/// between the closed mailbox and the divert function.
///
/// The behavior function is any `Handle::behavior_type(pointer)` taking the
/// usual `Handle::stateful_pointer<State>`; the actor's code does not know
/// about the diversion. Its own last will (actors/base/last_will.hpp) may still
/// take messages from its mailbox first; what it leaves is diverted.
template <class Handle, class State>
class diverting_actor
    : public caf::stateful_actor<State, typename Handle::base>,
      public retiring_actor {
 public:
  using super = caf::stateful_actor<State, typename Handle::base>;
  using pointer = typename Handle::template stateful_pointer<State>;
  using behavior_type = typename Handle::behavior_type;
  using init_fn = std::function<behavior_type(pointer)>;

  diverting_actor(caf::actor_config& cfg, init_fn init, divert_fn divert)
      : super(cfg), init_(std::move(init)), divert_(std::move(divert)) {
    // nop
  }

  behavior_type make_behavior() override {
    return init_(this);
  }

  void enqueue(caf::mailbox_element_ptr x, caf::execution_unit* eu) override {
    if (gate_.fetch_add(1, std::memory_order_acq_rel) & retired_bit) {
      gate_.fetch_sub(1, std::memory_order_acq_rel);
      divert(std::move(x));
      return;
    }
    super::enqueue(std::move(x), eu);
    gate_.fetch_sub(1, std::memory_order_acq_rel);
  }

  void retire() override {
    if (gate_.fetch_or(retired_bit, std::memory_order_acq_rel) & retired_bit)
      return;
    // Senders in the middle of `enqueue` finish their push within a few
    // instructions; after that, every message is diverted.
    while ((gate_.load(std::memory_order_acquire) & ~retired_bit) != 0)
      std::this_thread::yield();
  }

  void pass_on(caf::mailbox_element& x) override {
    auto copy = caf::make_mailbox_element(std::move(x.sender), x.mid,
                                          std::move(x.stages),
                                          x.move_content_to_message());
    if (divert_ && divert_(copy, this->address()))
      return;
    // Not taken: answer a request from the copy, since `x` gave its
    // content away.
    bounce_request(*copy, caf::sec::request_receiver_down);
  }

  bool cleanup(caf::error&& reason, caf::execution_unit* host) override {
    // Unless the actor's own last will read the mailbox already (and
    // passed on what it left), everything in it goes to the divert
    // function.
    salvage_mailbox(this, [](caf::mailbox_element&) {
      return false;
    });
    return super::cleanup(std::move(reason), host);
  }

 private:
  static constexpr uint64_t retired_bit = uint64_t{1} << 63;

  void divert(caf::mailbox_element_ptr x) {
    if (divert_ && divert_(x, this->address()))
      return;
    bounce_request(*x, caf::sec::request_receiver_down);
  }

  init_fn init_;
  divert_fn divert_;
  std::atomic<uint64_t> gate_{0};
};

} // namespace troupe::base
