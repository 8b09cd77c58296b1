#include "node/cli/cli_interrupt.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace troupe::cli {

namespace {

// Wakes the watcher to end it; blocked like the others, so it can only
// come from the destructor.
constexpr int stop_signal = SIGUSR2;

sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, stop_signal);
  return set;
}

} // namespace

struct interrupt_watch::state {
  std::mutex mtx;
  std::function<void()> handler;
  bool interrupted = false;
  sigset_t old_mask;
  std::thread thread;
};

interrupt_watch::interrupt_watch() : state_(std::make_shared<state>()) {
  auto set = watched();
  pthread_sigmask(SIG_BLOCK, &set, &state_->old_mask);
  state_->thread = std::thread{[st = state_, set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || sig == stop_signal)
        return;
      std::function<void()> handler;
      {
        std::lock_guard<std::mutex> guard{st->mtx};
        if (!st->interrupted)
          handler = st->handler;
        st->interrupted = true;
      }
      if (!handler) {
        // Nothing to end cleanly, or asked twice: stop now, as the
        // default action of SIGINT would.
        std::fflush(nullptr);
        std::_Exit(130);
      }
      handler();
    }
  }};
}

interrupt_watch::~interrupt_watch() {
  pthread_kill(state_->thread.native_handle(), stop_signal);
  state_->thread.join();
  pthread_sigmask(SIG_SETMASK, &state_->old_mask, nullptr);
}

void interrupt_watch::on_interrupt(std::function<void()> handler) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  state_->handler = std::move(handler);
}

} // namespace troupe::cli
