#pragma once

#include "actors/door/door_context.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "troupe/v1/troupe.grpc.pb.h"

namespace troupe::door {

/// One `Run` call: batches of jobs in, batches of results out as jobs end.
/// Jobs go to the node's gateway with the stream's port as their client;
/// the port hands results back to the stream, which queues them for
/// writing. Reading pauses while too many jobs are in flight or too many
/// results wait for a client that does not read them, so gRPC's flow
/// control holds a fast client back. Closing or cancelling the stream
/// cancels its jobs in flight (the gateway forgets the port).
class job_stream final
    : public grpc::ServerBidiReactor<v1::JobBatch, v1::ResultBatch> {
 public:
  /// A stream of `who`, who may submit jobs.
  job_stream(grpc::CallbackServerContext* ctx, const door_context& door,
             caller who);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  class port;

  /// What to do once the state lock is released: gRPC's reactor calls are
  /// never made under it.
  struct actions {
    const v1::ResultBatch* write = nullptr;
    bool read = false;
    bool finish = false;
    grpc::Status status;
  };

  ~job_stream() override = default;

  /// Results from the gateway (through the port).
  void on_results(std::vector<job_result>& results);
  /// Queues a result for the job with this ref.
  void add_result(uint64_t ref, std::string&& tag, const job_result& r);
  void add_failure(const v1::Job& in, job_status status, std::string why);
  /// Decides the next write, read and finish; call with the lock held.
  void next(actions& todo);
  /// Jobs the caller's limits admit now: the held batch, if they admit it
  /// (else, over the rate, an alarm tries again later); call with the lock
  /// held.
  std::vector<job> admit_held();
  /// Sends admitted jobs to the gateway; without the lock.
  void submit(std::vector<job>&& jobs);
  void arm_alarm(admission_clock::duration after);
  void run(const actions& todo);
  void unref();

  grpc::CallbackServerContext* ctx_;
  const door_context& door_;
  caller who_;
  std::shared_ptr<port> port_;
  grpc::Alarm alarm_;
  /// gRPC's reference (until OnDone) plus one per delivery in progress.
  std::atomic<int> refs_{1};
  v1::JobBatch in_;
  std::mutex mtx_;
  /// The stream's jobs in flight: ref -> tag.
  std::unordered_map<uint64_t, std::string> in_flight_;
  /// Results waiting to go out; the front is being written when
  /// `writing_`.
  std::deque<v1::ResultBatch> out_;
  size_t back_bytes_ = 0;
  bool writing_ = false;
  bool reading_ = true;
  bool read_done_ = false;
  bool finished_ = false;
  /// A batch the caller's limits did not admit yet: the stream is not
  /// read until they do (its jobs count in `in_flight_` already).
  std::vector<job> held_;
  bool alarm_armed_ = false;
};

} // namespace troupe::door
