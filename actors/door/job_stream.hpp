#pragma once

#include "actors/door/door_context.hpp"
#include "actors/rpc/queued_call.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
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
///
/// The stream lives on the door's completion queue: its reads and writes
/// complete on the door's thread, which also runs the actors a batch of
/// jobs makes ready when the stream was quiet (`base::help_scope`). A
/// sequential client's job then goes in and its result out on one thread,
/// with no hand-off between threads.
class job_stream final : public rpc::queued_call<job_stream> {
 public:
  /// Serves every `Run` call on `queue` while the server runs.
  static void listen(v1::Troupe::AsyncService& service, rpc::call_queue& queue,
                     const door_context& door);

  /// From `queued_call`: the call is over; jobs still in flight are
  /// cancelled.
  void call_over(bool cancelled);

 private:
  friend class rpc::queued_call<job_stream>;

  class port;

  job_stream(v1::Troupe::AsyncService& service, const door_context& door);

  void on_accepted(bool ok);
  void on_read(bool ok);
  void on_written(bool ok);
  void on_alarm(bool ok);

  /// Results from the gateway (through the port).
  void on_results(std::vector<job_result>& results);
  /// Queues a result for the job with this ref.
  void add_result(uint64_t ref, std::string&& tag, const job_result& r);
  void add_failure(const v1::Job& in, job_status status, std::string why);
  /// Starts the next write, read or finish that is due; lock held. (The
  /// queue's operations never call back on the calling thread, so they
  /// start under the lock: none can start once the call is over.)
  void next();
  /// Finishes the call with `status` unless it finished; lock held.
  void finish(const grpc::Status& status);
  /// Jobs the caller's limits admit now: the held batch, if they admit it
  /// (else, over the rate, an alarm tries again later); lock held.
  std::vector<job> admit_held();
  /// Sends admitted jobs to the gateway; without the lock.
  void submit(std::vector<job>&& jobs);
  /// Lock held.
  void arm_alarm(admission_clock::duration after);

  v1::Troupe::AsyncService& service_;
  const door_context& door_;
  grpc::ServerAsyncReaderWriter<v1::ResultBatch, v1::JobBatch> rw_{&ctx_};
  rpc::member_event<job_stream, &job_stream::on_accepted> accepted_{this};
  rpc::member_event<job_stream, &job_stream::on_read> read_{this};
  rpc::member_event<job_stream, &job_stream::on_written> written_{this};
  rpc::member_event<job_stream, &job_stream::on_alarm> alarmed_{this};
  caller who_;
  std::shared_ptr<port> port_;
  grpc::Alarm alarm_;
  v1::JobBatch in_;
  /// The stream's jobs in flight: ref -> tag.
  std::unordered_map<uint64_t, std::string> in_flight_;
  /// Results waiting to go out; the front is being written when
  /// `writing_`.
  std::deque<v1::ResultBatch> out_;
  size_t back_bytes_ = 0;
  bool writing_ = false;
  bool reading_ = false;
  bool read_done_ = false;
  /// Finish started, or the call is over: nothing more goes out, results
  /// are dropped.
  bool finished_ = false;
  /// A batch the caller's limits did not admit yet: the stream is not
  /// read until they do (its jobs count in `in_flight_` already).
  std::vector<job> held_;
  bool alarm_armed_ = false;
};

} // namespace troupe::door
