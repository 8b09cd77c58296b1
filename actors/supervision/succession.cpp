#include "actors/supervision/succession.hpp"

#include "actors/log/logging.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_cast.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/send.hpp>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace troupe::supervision {

void answer_undeliverable(caf::mailbox_element& x, uint8_t status,
                          const std::string& why) {
  auto& msg = x.content();
  auto fail = [&](const job& j, const result_sink_actor& sink) {
    if (sink)
      caf::anon_send(sink,
                     make_failure(j, static_cast<job_status>(status), why));
  };
  if (msg.match_elements<job, result_sink_actor>()) {
    fail(msg.get_as<job>(0), msg.get_as<result_sink_actor>(1));
    return;
  }
  if (msg.match_elements<job, cache_key, job_runner_actor,
                         result_sink_actor>()) {
    fail(msg.get_as<job>(0), msg.get_as<result_sink_actor>(3));
    return;
  }
  caf::detail::sync_request_bouncer{caf::make_error(error_code::rejected, why)}(
    x);
}

namespace {

// Numbers for the generations of every succession in the process: never
// reused, so a sender's memory of one cannot match another that took the
// same address.
std::atomic<uint64_t> next_generation{1};

// The incarnation a sending thread last reached through a succession.
struct reached {
  const succession* through = nullptr;
  uint64_t generation = 0;
  caf::strong_actor_ptr heir;
};

// A few per thread, one per address bucket: a thread sends through a
// handful of names (the router: its pools, breakers and shards).
constexpr size_t reached_slots = 32;
thread_local std::array<reached, reached_slots> last_reached;

reached& slot_for(const succession* s) {
  auto h = reinterpret_cast<uintptr_t>(s);
  return last_reached[((h >> 4) ^ (h >> 10)) % reached_slots];
}

} // namespace

succession::succession(std::string name, size_t capacity)
    : name_(std::move(name)), capacity_(capacity),
      generation_(next_generation.fetch_add(1, std::memory_order_relaxed)) {
  // nop
}

void succession::deliver(caf::mailbox_element_ptr x,
                         const caf::actor_control_block* from,
                         caf::execution_unit* eu) {
  auto& slot = slot_for(this);
  if (slot.through == this
      && slot.generation == generation_.load(std::memory_order_acquire)) {
    slot.heir->enqueue(std::move(x), eu);
    return;
  }
  caf::strong_actor_ptr before; // released after the lock
  std::unique_lock<std::mutex> guard{mtx_};
  auto heir = closed_ ? caf::strong_actor_ptr{}
                      : caf::actor_cast<caf::strong_actor_ptr>(heir_);
  if (!heir || heir.get() == from) {
    guard.unlock();
    forward(std::move(x), from, eu);
    return;
  }
  before.swap(slot.heir);
  slot.through = this;
  slot.generation = generation_.load(std::memory_order_relaxed);
  slot.heir = heir;
  guard.unlock();
  heir->enqueue(std::move(x), eu);
}

succession::~succession() {
  if (!buffer_.empty())
    close("the node stopped before " + name_ + " took the message");
}

void succession::forward(caf::mailbox_element_ptr x,
                         const caf::actor_control_block* from,
                         caf::execution_unit* eu) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (closed_) {
    auto why = why_;
    guard.unlock();
    answer_undeliverable(*x, static_cast<uint8_t>(job_status::cancelled), why);
    return;
  }
  auto heir = caf::actor_cast<caf::strong_actor_ptr>(heir_);
  if (heir && heir.get() != from) {
    guard.unlock();
    heir->enqueue(std::move(x), eu);
    return;
  }
  if (buffer_.size() >= capacity_) {
    guard.unlock();
    answer_undeliverable(*x, static_cast<uint8_t>(job_status::overloaded),
                         name_ + " is restarting and "
                           + std::to_string(capacity_)
                           + " messages already wait for it; retry later");
    return;
  }
  buffer_.push_back(std::move(x));
}

void succession::take_over(const caf::strong_actor_ptr& heir) {
  std::deque<caf::mailbox_element_ptr> waiting;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    heir_ = caf::actor_cast<caf::weak_actor_ptr>(heir);
    closed_ = false;
    generation_.store(next_generation.fetch_add(1, std::memory_order_relaxed),
                      std::memory_order_release);
    waiting.swap(buffer_);
  }
  if (!waiting.empty())
    log::actors().info("{}: the new incarnation takes over {} messages sent "
                       "to the old one",
                       name_, waiting.size());
  for (auto& x : waiting)
    heir->enqueue(std::move(x), nullptr);
}

void succession::vacate(const caf::actor_control_block* who) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (heir_.get() != who)
    return;
  heir_ = nullptr;
  generation_.store(next_generation.fetch_add(1, std::memory_order_relaxed),
                    std::memory_order_release);
}

void succession::close(std::string why) {
  std::deque<caf::mailbox_element_ptr> waiting;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    why_ = why;
    heir_ = nullptr;
    generation_.store(next_generation.fetch_add(1, std::memory_order_relaxed),
                      std::memory_order_release);
    waiting.swap(buffer_);
  }
  for (auto& x : waiting)
    answer_undeliverable(*x, static_cast<uint8_t>(job_status::cancelled), why);
}

size_t succession::buffered() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return buffer_.size();
}

} // namespace troupe::supervision
