#include "actors/rpc/process_tuning.hpp"

#include <absl/synchronization/mutex.h>

#include <mutex>

namespace troupe::rpc {

void tune_grpc_process() {
  static std::once_flag once;
  std::call_once(once, [] {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  });
}

} // namespace troupe::rpc
