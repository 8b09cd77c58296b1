#pragma once

#include "actors/mailbox_salvage.hpp"
#include "actors/succession.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_config.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/execution_unit.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/type_erased_tuple.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <utility>

namespace troupe {

/// Which messages to an ended incarnation go on to its successor (those
/// that mean the same to any incarnation, such as jobs); the others are
/// dropped, and requests among them get an error.
using forward_filter = std::function<bool(const caf::mailbox_element&)>;

/// A typed stateful actor as the node's supervisors run it: the actor's own
/// behavior function plus a succession. Messages that reach an incarnation
/// after it stopped taking them (during its last will, or after it ended)
/// go to its successor instead of being lost: the gate in `enqueue` and
/// `retire` make that hand-over exact, so no message falls between a closed
/// mailbox and its successor. What is still in the mailbox at the end goes
/// the same way, unless the actor's own last will took it.
///
/// The behavior function is any `Handle::behavior_type(pointer)` taking the
/// usual `Handle::stateful_pointer<State>`; the actor's code does not know
/// it runs supervised.
template <class Handle, class State>
class supervised_actor final
    : public caf::stateful_actor<State, typename Handle::base>,
      public retiring_actor {
 public:
  using super = caf::stateful_actor<State, typename Handle::base>;
  using pointer = typename Handle::template stateful_pointer<State>;
  using behavior_type = typename Handle::behavior_type;
  using init_fn = std::function<behavior_type(pointer)>;

  supervised_actor(caf::actor_config& cfg, init_fn init, succession_ptr heirs,
                   forward_filter filter)
      : super(cfg), init_(std::move(init)), heirs_(std::move(heirs)),
        filter_(std::move(filter)) {
    // nop
  }

  behavior_type make_behavior() override {
    heirs_->take_over(caf::actor_cast<caf::strong_actor_ptr>(this));
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

  bool cleanup(caf::error&& reason, caf::execution_unit* host) override {
    // The actor's own last will may have taken its jobs already; whatever
    // is left goes to the successor.
    salvage_mailbox(this, [this](caf::mailbox_element& x) {
      if (!filter_ || !filter_(x))
        return false;
      heirs_->forward(caf::make_mailbox_element(std::move(x.sender), x.mid,
                                                std::move(x.stages),
                                                x.move_content_to_message()),
                      this->address());
      return true;
    });
    return super::cleanup(std::move(reason), host);
  }

 private:
  static constexpr uint64_t retired_bit = uint64_t{1} << 63;

  void divert(caf::mailbox_element_ptr x) {
    if (filter_ && filter_(*x)) {
      heirs_->forward(std::move(x), this->address());
      return;
    }
    caf::detail::sync_request_bouncer{caf::sec::request_receiver_down}(*x);
  }

  init_fn init_;
  succession_ptr heirs_;
  forward_filter filter_;
  std::atomic<uint64_t> gate_{0};
};

} // namespace troupe
