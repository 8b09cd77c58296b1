#pragma once

#include "actors/door/door_context.hpp"
#include "actors/rpc/queued_call.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <optional>
#include <string>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// One `WatchStatus` call: asks the node for its status every interval and
/// sends it only when it changed (the uptime and alert ages, which always
/// move, do not count as a change), so an idle node sends nothing.
class status_watch final : public rpc::queued_call<status_watch> {
 public:
  /// Serves every `WatchStatus` call on `queue` while the server runs.
  static void listen(v1::Troupe::AsyncService& service, rpc::call_queue& queue,
                     const door_context& door);

  /// From `queued_call`.
  void call_over(bool cancelled);

 private:
  friend class rpc::queued_call<status_watch>;

  status_watch(v1::Troupe::AsyncService& service, const door_context& door);

  void on_accepted(bool ok);
  void on_written(bool ok);
  void on_alarm(bool ok);

  void poll();
  void on_status(const node_status& st);
  /// Polls again after the interval; lock held.
  void wait();
  /// Ends the call with `status` once no write is in progress; lock held.
  void finish(const grpc::Status& status);

  v1::Troupe::AsyncService& service_;
  const door_context& door_;
  v1::WatchStatusRequest request_;
  grpc::ServerAsyncWriter<v1::NodeStatus> writer_{&ctx_};
  rpc::member_event<status_watch, &status_watch::on_accepted> accepted_{this};
  rpc::member_event<status_watch, &status_watch::on_written> written_{this};
  rpc::member_event<status_watch, &status_watch::on_alarm> alarmed_{this};
  std::chrono::milliseconds interval_{1000};
  grpc::Alarm alarm_;
  v1::NodeStatus msg_;
  /// The last status sent, without the parts that always move.
  std::string last_;
  bool writing_ = false;
  /// `finish` was called: nothing more goes out.
  bool ending_ = false;
  /// The status to finish with once the write in progress is done.
  std::optional<grpc::Status> end_after_write_;
};

} // namespace troupe::door
