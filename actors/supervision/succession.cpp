#include "actors/supervision/succession.hpp"

#include "actors/log/logging.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"

#include <caf/actor_cast.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/send.hpp>

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

succession::succession(std::string name, size_t capacity)
    : name_(std::move(name)), capacity_(capacity) {
  // nop
}

succession::~succession() {
  if (!buffer_.empty())
    close("the node stopped before " + name_ + " took the message");
}

void succession::forward(caf::mailbox_element_ptr x,
                         const caf::actor_addr& from) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (closed_) {
    auto why = why_;
    guard.unlock();
    answer_undeliverable(*x, static_cast<uint8_t>(job_status::cancelled), why);
    return;
  }
  auto heir = caf::actor_cast<caf::strong_actor_ptr>(heir_);
  if (heir && heir->address() != from) {
    guard.unlock();
    heir->enqueue(std::move(x), nullptr);
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
    waiting.swap(buffer_);
  }
  if (!waiting.empty())
    log::actors().info("{}: the new incarnation takes over {} messages sent "
                       "to the old one",
                       name_, waiting.size());
  for (auto& x : waiting)
    heir->enqueue(std::move(x), nullptr);
}

void succession::close(std::string why) {
  std::deque<caf::mailbox_element_ptr> waiting;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    why_ = why;
    heir_ = nullptr;
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
