#pragma once

#include "actors/door/door_context.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// One `WatchStatus` call: asks the node for its status every interval and
/// sends it only when it changed (the uptime and alert ages, which always
/// move, do not count as a change), so an idle node sends nothing.
class status_watch final : public grpc::ServerWriteReactor<v1::NodeStatus> {
 public:
  status_watch(const door_context& door, std::chrono::milliseconds interval);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  ~status_watch() override = default;

  void poll();
  void on_status(const node_status& st);
  void wait();
  void finish(const grpc::Status& status);
  void unref();

  const door_context& door_;
  std::chrono::milliseconds interval_;
  grpc::Alarm alarm_;
  v1::NodeStatus msg_;
  /// The last status sent, without the parts that always move.
  std::string last_;
  /// gRPC's reference, plus one per request or alarm in progress.
  std::atomic<int> refs_{1};
  /// Guards the three below: a write and `Finish` never overlap (a watch
  /// cancelled while its status is being written ends once the write did).
  std::mutex mtx_;
  bool writing_ = false;
  std::optional<grpc::Status> ending_;
  /// Set once `Finish` was called (read without the lock as a shortcut).
  std::atomic<bool> finished_{false};
};

} // namespace troupe::door
