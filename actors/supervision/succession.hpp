#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/execution_unit.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace troupe::supervision {

/// Where messages go that were sent to an incarnation of a supervised actor
/// after it ended: to the incarnation that replaced it, or, while there is
/// none yet (the supervisor waits for a backoff), into a bounded buffer that
/// the next incarnation takes over when it starts. Whoever still holds a
/// handle to an ended incarnation thus reaches its replacement, and a job
/// sent in the moment an actor dies is not lost with it.
///
/// Once closed (the node stops), buffered and later messages are answered:
/// jobs end CANCELLED saying why, requests get an error. Messages beyond the
/// buffer's capacity are answered OVERLOADED the same way. Shared by every
/// incarnation of one child and thread-safe; it refers to the current
/// incarnation weakly, so it keeps no actor alive. (A sending thread
/// remembers the incarnation it last reached through `deliver`, until it
/// reaches another: an ended incarnation's memory may last until then,
/// though it runs nothing.)
class succession {
 public:
  /// `name` appears in answers (e.g. "the pool of skill echo").
  succession(std::string name, size_t capacity);

  /// Answers whatever is still buffered, as `close` does.
  ~succession();

  succession(const succession&) = delete;
  succession& operator=(const succession&) = delete;

  /// A message for the ended incarnation `from`. `eu` is the sender's
  /// execution unit, when known: handing it on lets the heir run on the
  /// sender's worker thread next instead of waking another one, which is
  /// what keeps a hop through a registered name as cheap as a direct send.
  void forward(caf::mailbox_element_ptr x, const caf::actor_control_block* from,
               caf::execution_unit* eu = nullptr);

  /// A message sent to the child's registered name: as `forward`, but a
  /// thread that reached the current incarnation before goes straight to
  /// it, with one atomic load and no lock, which keeps a hop through a name
  /// as cheap as a direct send.
  void deliver(caf::mailbox_element_ptr x, const caf::actor_control_block* from,
               caf::execution_unit* eu);

  /// `heir` started: it receives the buffered messages now and every later
  /// one directly (also after `close`: a restarted subtree opens it again).
  void take_over(const caf::strong_actor_ptr& heir);

  /// The incarnation `who` stops taking messages: unless another already
  /// took over, later messages wait for the next one.
  void vacate(const caf::actor_control_block* who);

  /// Stops for good: answers what is buffered and everything that comes
  /// later with `why`.
  void close(std::string why);

  /// Messages waiting for the next incarnation.
  size_t buffered() const;

  const std::string& name() const noexcept {
    return name_;
  }

 private:
  std::string name_;
  size_t capacity_;
  mutable std::mutex mtx_;
  /// Changes (under `mtx_`) whenever the heir changes or the succession
  /// closes, to a number no succession had before: what `deliver` checks.
  std::atomic<uint64_t> generation_;
  caf::weak_actor_ptr heir_;
  std::deque<caf::mailbox_element_ptr> buffer_;
  bool closed_ = false;
  std::string why_;
};

using succession_ptr = std::shared_ptr<succession>;

/// Answers a message that will never be handled: a job (`(job, sink)` or a
/// cache shard's `(job, key, runner, sink)`) gets a failure result with
/// `status` and `why`, a request gets an error; anything else is dropped.
/// `status` is a `job_status` value (kept as an integer to keep this header
/// lean).
void answer_undeliverable(caf::mailbox_element& x, uint8_t status,
                          const std::string& why);

} // namespace troupe::supervision
