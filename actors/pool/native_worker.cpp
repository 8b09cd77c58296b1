#include "actors/pool/native_worker.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace troupe::pool {

struct native_worker::shared_state {
  struct pending {
    uint64_t ticket;
    std::string input;
    skills::skill_context::time_point deadline;
  };

  std::shared_ptr<const skills::skill_definition> skill;
  callbacks cb;
  skills::cancellation token;
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<pending> next;
  bool stop = false;
};

namespace {

// Runs one job; false when the skill crashed the worker.
bool run_one(const skills::skill_definition& skill, skills::cancellation& token,
             const native_worker::callbacks& cb, uint64_t ticket,
             const std::string& input,
             skills::skill_context::time_point deadline) {
  if (token.cancelled(ticket)) {
    job_result r;
    r.status = job_status::cancelled;
    cb.done(ticket, std::move(r));
    return true;
  }
  auto run = skills::run_skill(skill, input,
                               skills::skill_context{&token, ticket, deadline});
  if (run.crashed) {
    cb.crashed(ticket, std::move(run.result.error));
    return false;
  }
  cb.done(ticket, std::move(run.result));
  return true;
}

void thread_main(std::shared_ptr<native_worker::shared_state> st) {
  for (;;) {
    uint64_t ticket;
    std::string input;
    skills::skill_context::time_point deadline;
    {
      std::unique_lock<std::mutex> guard{st->mtx};
      st->cv.wait(guard, [&] {
        return st->next.has_value() || st->stop;
      });
      if (!st->next)
        return;
      ticket = st->next->ticket;
      input = std::move(st->next->input);
      deadline = st->next->deadline;
      st->next.reset();
    }
    if (!run_one(*st->skill, st->token, st->cb, ticket, input, deadline))
      return;
  }
}

} // namespace

native_worker::native_worker(
  std::shared_ptr<const skills::skill_definition> skill, callbacks cb)
    : state_(std::make_shared<shared_state>()) {
  state_->skill = std::move(skill);
  state_->cb = std::move(cb);
  // Detached: a skill stuck in its own code must not block whoever drops
  // this worker; the thread ends by itself once the code returns.
  std::thread{thread_main, state_}.detach();
}

native_worker::~native_worker() {
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->stop = true;
  }
  state_->cv.notify_one();
}

void native_worker::run(uint64_t ticket, std::string input,
                        skills::skill_context::time_point deadline) {
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->next = shared_state::pending{ticket, std::move(input), deadline};
  }
  state_->cv.notify_one();
}

void native_worker::cancel(uint64_t ticket) {
  state_->token.cancel(ticket);
}

} // namespace troupe::pool
