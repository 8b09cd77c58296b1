#pragma once

#include <functional>
#include <utility>

namespace troupe::base {

/// Runs a function when it is destroyed. Declared as the last member of an
/// actor's state, it runs first when CAF destroys that state, which CAF does
/// for every way an actor ends (normal exit, exception, kill), before the
/// actor's exit and down messages go out and while the rest of the state is
/// still intact. Actors use it to answer the jobs they hold ("last will").
class last_will {
 public:
  last_will() = default;
  last_will(const last_will&) = delete;
  last_will& operator=(const last_will&) = delete;

  ~last_will() {
    if (fn_)
      std::exchange(fn_, nullptr)();
  }

  /// Sets what runs at destruction.
  void operator=(std::function<void()> fn) {
    fn_ = std::move(fn);
  }

 private:
  std::function<void()> fn_;
};

} // namespace troupe::base
