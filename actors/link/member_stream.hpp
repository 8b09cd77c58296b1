#pragma once

#include "actors/rpc/call_queue.hpp"
#include "actors/rpc/peer_identity.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/members/v1/members.grpc.pb.h"

namespace troupe::link {

namespace mv1 = troupe::members::v1;

class member_stream;

/// A stream as messages carry it inside the process.
using member_stream_ptr = std::shared_ptr<member_stream>;

/// A frame read from a member stream, as messages carry it to its link.
using frame_ptr = std::shared_ptr<mv1::Frame>;

/// Every live stream of one cluster port, so that a stopping node can end
/// them all before its queue shuts down.
class stream_set {
 public:
  void add(const member_stream_ptr& s);
  /// Runs `start` (which starts `s` on its queue) and keeps `s`, unless the
  /// set was closed: the node stops, and its queue may be gone. Whether
  /// `s` started.
  bool start(const member_stream_ptr& s, const std::function<void()>& start);
  /// Ends every stream still live and takes no more.
  void close_all(const std::string& why);

 private:
  /// Forgets the streams that ended; lock held.
  void prune();

  std::mutex mtx_;
  std::vector<std::weak_ptr<member_stream>> all_;
  bool closed_ = false;
};

using stream_set_ptr = std::shared_ptr<stream_set>;

/// Limits of one member stream.
struct stream_limits {
  /// The first frame (the hello) must come within this time.
  std::chrono::milliseconds hello_timeout{10'000};
  /// Bytes queued for a peer that does not read them: past this, the
  /// stream is closed (the peer is hung or too slow to be a member).
  size_t max_queued_bytes = size_t{256} << 20;
  /// After jobs went out, the queue's thread polls for their results this
  /// long instead of sleeping (`rpc::call_queue::poll_for`); zero: never.
  std::chrono::microseconds reply_poll{100};
};

/// One member link's gRPC stream (`troupe.member.v1.Member/Link`), on
/// either side: accepted on this node's cluster port, or dialled to
/// another member's. It lives on the links' completion queue, whose
/// thread reads and writes; any thread may `send`.
///
/// Before it is attached, the stream reads only the peer's first frame and
/// hands it to `on_first`, with the peer's verified identity in
/// `peer()`; whoever attaches the stream to a link actor (the node's link
/// registry) then gets every further frame as a `frame_ptr` message and,
/// once the stream ends, `(leave, why)`. A stream that ends before it was
/// attached calls `on_end(why)` instead.
class member_stream : public std::enable_shared_from_this<member_stream> {
 public:
  struct handlers {
    /// The peer's first frame (its hello), on the queue's thread.
    std::function<void(member_stream_ptr, mv1::Frame&&)> on_first;
    /// The stream ended before it was attached: why, for a person.
    std::function<void(member_stream_ptr, std::string)> on_end;
  };

  /// Serves `Link` calls on `queue` while the server runs; `make` gives
  /// the handlers of each new stream. With `port`, the server serves other
  /// ports too, and a stream that did not come through the guarded port
  /// of that name (`rpc::came_through`) is refused as UNIMPLEMENTED.
  static void accept(mv1::Member::AsyncService& service, rpc::call_queue& queue,
                     std::function<handlers()> make, stream_limits limits,
                     stream_set_ptr all, std::string port = {});

  /// Dials a member over `channel` and sends `hello` first.
  static member_stream_ptr dial(mv1::Member::Stub& stub, rpc::call_queue& queue,
                                mv1::Frame hello, handlers h,
                                stream_limits limits, stream_set_ptr all);

  ~member_stream();

  member_stream(const member_stream&) = delete;
  member_stream& operator=(const member_stream&) = delete;

  /// Queues a frame for the peer; false once the stream is over. With
  /// `awaits_reply` (jobs), the queue polls for the answer a while.
  bool send(mv1::Frame&& frame, bool awaits_reply = false);

  /// Frames from now on go to `link`, and reading goes on.
  void attach(caf::actor link);

  /// Ends the stream. An accepted stream that read only the hello tells
  /// the peer `why` with `code`; any other ends as cancelled.
  void close(grpc::StatusCode code, const std::string& why);

  /// Who the peer is, from its verified certificate (known once the first
  /// frame came).
  const rpc::peer_identity& peer() const {
    return peer_;
  }

  /// How a dialled stream ended, as the peer said (OK until it ended).
  grpc::StatusCode status_code() const;

  /// The peer's network address as gRPC saw it, for logs.
  std::string peer_address() const;

  /// Whether this node dialled the stream.
  bool dialed() const {
    return dialed_;
  }

 private:
  struct release;

  /// Why a dialled stream ended, for a person.
  static std::string status_text(const grpc::Status& st);

  member_stream(rpc::call_queue& queue, handlers h, bool dialed,
                stream_limits limits);

  void on_started(bool ok);
  void on_read(bool ok);
  void on_written(bool ok);
  void on_finished(bool ok);
  void on_done(bool ok);
  void on_alarm(bool ok);
  /// A deferred read's time came (`defer_read`).
  void resume_read();

  /// Starts the write that is due; lock held.
  void next_write();
  void start_read();
  /// Reading on waits for the next write, or until the queue's thread
  /// would sleep or handled a few more events (`call_queue::defer`); on
  /// the queue's thread, lock held.
  void defer_read();
  /// An operation reported; lock held. The reference to drop outside the
  /// lock when the stream is over.
  [[nodiscard]] member_stream_ptr op_ended();
  /// The stream broke or ended: tells the owner once; without the lock.
  void ended(std::string why);
  /// Reads failed: a dialled stream asks for its status; lock held.
  void reads_over();
  /// Cancels the hello's deadline and a deferred read; lock held.
  void disarm();
  /// Ends an accepted stream that read nothing yet, telling the peer
  /// `why` with `code`; lock held.
  void refuse(grpc::StatusCode code, const std::string& why);

  rpc::call_queue& queue_;
  handlers handlers_;
  const bool dialed_;
  stream_limits limits_;
  mv1::Member::AsyncService* service_ = nullptr;
  std::function<handlers()> make_;
  stream_set_ptr all_;
  std::string port_;
  // Accepted side.
  grpc::ServerContext server_ctx_;
  grpc::ServerAsyncReaderWriter<mv1::Frame, mv1::Frame> server_rw_{
    &server_ctx_};
  // Dialled side.
  grpc::ClientContext client_ctx_;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<mv1::Frame, mv1::Frame>>
    client_rw_;
  grpc::Status status_;

  rpc::member_event<member_stream, &member_stream::on_started> started_event_{
    this};
  rpc::member_event<member_stream, &member_stream::on_read> read_event_{this};
  rpc::member_event<member_stream, &member_stream::on_written> written_event_{
    this};
  rpc::member_event<member_stream, &member_stream::on_finished> finished_event_{
    this};
  rpc::member_event<member_stream, &member_stream::on_done> done_event_{this};
  rpc::member_event<member_stream, &member_stream::on_alarm> alarm_event_{this};
  rpc::member_task<member_stream, &member_stream::resume_read> resume_task_{
    this};

  mutable std::mutex mtx_;
  /// The stream holds itself while gRPC may still report to it.
  member_stream_ptr self_;
  int pending_ = 0;
  /// gRPC is done with the call: the done notification (accepted) or the
  /// status (dialled) came.
  bool over_ = false;
  bool started_ = false;
  bool reading_ = false;
  bool reads_failed_ = false;
  bool writing_ = false;
  bool finishing_ = false;
  bool first_read_ = false;
  bool told_end_ = false;
  caf::actor link_;
  std::deque<mv1::Frame> out_;
  size_t out_bytes_ = 0;
  mv1::Frame in_;
  rpc::peer_identity peer_;
  grpc::Alarm alarm_;
  bool alarm_armed_ = false;
  /// Reading on waits (`defer_read`); `resume_task_` is queued.
  bool read_deferred_ = false;
  bool resume_queued_ = false;
  /// Writes started so far: whether one went out while a frame was read.
  uint64_t writes_ = 0;
  std::string why_;
};

} // namespace troupe::link

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::link::member_stream_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::link::frame_ptr)
