#pragma once

#include <functional>
#include <memory>

namespace troupe::cli {

/// Turns Ctrl-C (SIGINT) and SIGTERM into a call of a handler on a thread of
/// its own, so that a command can end cleanly (cancel its jobs on the node,
/// print what happened) instead of dying mid-way. A second signal, or one
/// arriving before a handler is set, ends the process at once with exit
/// code 130. Construct it before connecting (before gRPC starts its
/// threads): threads started later inherit the blocked signals, so only
/// this watcher sees them.
class interrupt_watch {
 public:
  interrupt_watch();

  /// Stops watching and unblocks the signals in the constructing thread.
  ~interrupt_watch();

  interrupt_watch(const interrupt_watch&) = delete;
  interrupt_watch& operator=(const interrupt_watch&) = delete;

  /// Sets what the first signal does; thread-safe.
  void on_interrupt(std::function<void()> handler);

  struct state;

 private:
  std::shared_ptr<state> state_;
};

} // namespace troupe::cli
