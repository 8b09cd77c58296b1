#include "node/client/client.hpp"

#include "messages/errors.hpp"
#include "messages/wire/api_codec.hpp"
#include "messages/wire/millis.hpp"
#include "messages/wire/utf8.hpp"
#include "node/client/grpc_channel.hpp"

#include <grpcpp/alarm.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/support/async_stream.h>
#include <grpcpp/support/async_unary_call.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "troupe/v1/troupe.grpc.pb.h"

// One completion queue per client, polled only by the thread inside `run`
// (or the destructor): results are handled where they arrive, with no
// hand-over between threads, which is what a sequential job's latency is
// made of.
namespace troupe::client {

namespace {

using clock_type = std::chrono::steady_clock;

/// What a completion of the queue belongs to.
enum class op : uint8_t {
  start,
  read,
  write,
  writes_done,
  finish,
  unary,
  alarm,
};

struct tag {
  op kind;
  void* owner;
};

std::chrono::system_clock::time_point to_system(clock_type::time_point t) {
  // Far deadlines are cut short: the caller checks its own state and waits
  // again, and gRPC's clock conversion never sees an overflow.
  auto left = std::min<clock_type::duration>(t - clock_type::now(),
                                             std::chrono::seconds(1));
  return std::chrono::system_clock::now()
         + std::chrono::duration_cast<std::chrono::system_clock::duration>(
           std::max<clock_type::duration>(left, clock_type::duration{0}));
}

/// One job too large for the stream's messages, in a `Submit` call of its
/// own so that a node refusing its size refuses it alone.
struct unary_call {
  tag done{op::unary, this};
  uint64_t ref = 0;
  size_t bytes = 0;
  grpc::ClientContext ctx;
  v1::JobResult reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::JobResult>> rpc;
};

/// What the events of the completion queue mean to whoever polls it.
class run_events {
 public:
  virtual ~run_events() = default;

  virtual void on_results(v1::ResultBatch&) {
    // Nobody waits for them: their jobs were answered already.
  }

  /// The stream ended (broke, or finished after a close).
  virtual void on_stream_end(const grpc::Status&) {
    // Nothing in flight outside a run.
  }

  virtual void on_unary_done(unary_call&) {
    // Outside a run, no call is in flight.
  }

  virtual void on_interrupt() {
    // Outside a run: `run` checks the flag when it starts.
  }
};

/// The client's `Run` stream: jobs and cancellations out in batches (one
/// write at a time, the next batch filling meanwhile), result batches in.
/// Its operations complete on the client's queue and come back through
/// `complete`; it may be destroyed once `settled`.
class job_stream {
 public:
  job_stream(v1::Troupe::Stub& stub, grpc::CompletionQueue& cq,
             const std::string& token) {
    prepare_call(ctx_, token, caf::timespan{0});
    rw_ = stub.PrepareAsyncRun(&ctx_, &cq);
    rw_->StartCall(&start_tag_);
    start_pending_ = true;
  }

  job_stream(const job_stream&) = delete;
  job_stream& operator=(const job_stream&) = delete;

  /// False once the stream broke or ended: nothing sent now arrives.
  bool alive() const {
    return !broken_;
  }

  /// True when no operation is outstanding and the stream has ended.
  bool settled() const {
    return finished_ && !start_pending_ && !read_pending_ && !write_pending_
           && !writes_done_pending_;
  }

  void push_job(v1::Job&& j, size_t bytes) {
    auto& batch = open_batch(bytes);
    *batch.first.add_jobs() = std::move(j);
    batch.second += bytes;
  }

  void push_cancel(uint64_t ref) {
    constexpr size_t cancel_bytes = 10;
    auto& batch = open_batch(cancel_bytes);
    batch.first.add_cancel(ref);
    batch.second += cancel_bytes;
  }

  /// Starts writing the next batch unless a write is under way.
  void flush() {
    if (!started_ || broken_ || write_pending_ || writes_done_sent_)
      return;
    if (!out_.empty()) {
      rw_->Write(out_.front().first, &write_tag_);
      write_pending_ = true;
    } else if (closing_) {
      rw_->WritesDone(&writes_done_tag_);
      writes_done_pending_ = true;
      writes_done_sent_ = true;
      finish();
    }
  }

  /// Half-closes the stream once its batches are written; the node then
  /// ends it (having no jobs of it left).
  void close() {
    closing_ = true;
    flush();
  }

  /// Ends the stream now; the node cancels whatever jobs of it remain.
  void cancel() {
    ctx_.TryCancel();
    broken_ = true;
    if (!start_pending_)
      finish();
  }

  void complete(op kind, bool ok, run_events& ev) {
    switch (kind) {
      case op::start:
        start_pending_ = false;
        if (!ok || broken_) {
          fail();
          return;
        }
        started_ = true;
        read();
        flush();
        return;
      case op::read: {
        read_pending_ = false;
        if (!ok) {
          fail();
          return;
        }
        v1::ResultBatch batch;
        batch.Swap(&in_);
        read();
        ev.on_results(batch);
        return;
      }
      case op::write:
        write_pending_ = false;
        out_.pop_front();
        if (!ok) {
          fail();
          return;
        }
        flush();
        return;
      case op::writes_done:
        writes_done_pending_ = false;
        return;
      case op::finish:
        finish_pending_ = false;
        finished_ = true;
        broken_ = true;
        ev.on_stream_end(status_);
        return;
      default:
        return;
    }
  }

 private:
  // The batch new items go in: the last one unless it is being written or
  // full.
  std::pair<v1::JobBatch, size_t>& open_batch(size_t bytes) {
    auto usable = out_.size() > (write_pending_ ? 1u : 0u);
    if (!usable
        || static_cast<size_t>(out_.back().first.jobs_size()
                               + out_.back().first.cancel_size())
             >= client::max_batch_jobs
        || out_.back().second + bytes > client::max_batch_bytes)
      out_.emplace_back();
    return out_.back();
  }

  void read() {
    if (broken_)
      return;
    rw_->Read(&in_, &read_tag_);
    read_pending_ = true;
  }

  void fail() {
    broken_ = true;
    finish();
  }

  // Asks for the call's status, once: the last completion of the stream.
  void finish() {
    if (finish_requested_)
      return;
    finish_requested_ = true;
    finish_pending_ = true;
    rw_->Finish(&status_, &finish_tag_);
  }

  tag start_tag_{op::start, this};
  tag read_tag_{op::read, this};
  tag write_tag_{op::write, this};
  tag writes_done_tag_{op::writes_done, this};
  tag finish_tag_{op::finish, this};
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientAsyncReaderWriter<v1::JobBatch, v1::ResultBatch>>
    rw_;
  /// Batches to write with their approximate bytes; the front one is being
  /// written while `write_pending_`.
  std::deque<std::pair<v1::JobBatch, size_t>> out_;
  v1::ResultBatch in_;
  grpc::Status status_;
  bool start_pending_ = false;
  bool started_ = false;
  bool read_pending_ = false;
  bool write_pending_ = false;
  bool writes_done_pending_ = false;
  bool writes_done_sent_ = false;
  bool finish_requested_ = false;
  bool finish_pending_ = false;
  bool finished_ = false;
  bool broken_ = false;
  bool closing_ = false;
};

// How long a closing client waits for the node to end its stream.
constexpr auto close_grace = std::chrono::seconds(1);

} // namespace

struct client::state {
  std::string address;
  std::string token;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Troupe::Stub> stub;
  grpc::CompletionQueue cq;
  std::unique_ptr<job_stream> stream;
  /// Refs are unique over the client's life: a late result of a job that a
  /// past run gave up on can never be taken for one of a later run.
  uint64_t next_ref = 1;
  std::mutex mtx;
  bool interrupted = false;
  /// Wakes the polling thread on `interrupt`; set once.
  grpc::Alarm alarm;
  tag alarm_tag{op::alarm, nullptr};

  state() = default;
  state(const state&) = delete;
  state& operator=(const state&) = delete;

  ~state() {
    if (stream) {
      run_events ignore;
      stream->close();
      auto deadline = clock_type::now() + close_grace;
      while (!stream->settled() && clock_type::now() < deadline)
        poll(deadline, ignore);
      if (!stream->settled()) {
        stream->cancel();
        settle(ignore);
      }
      stream.reset();
    }
    alarm.Cancel();
    cq.Shutdown();
    void* t = nullptr;
    bool ok = false;
    while (cq.Next(&t, &ok)) {
      // Only the alarm can be left.
    }
  }

  /// Waits until `deadline` for one event and hands it to `ev`; false when
  /// none came.
  bool poll(clock_type::time_point deadline, run_events& ev) {
    return dispatch(to_system(deadline), ev);
  }

  /// Takes one event that is there already.
  bool poll_now(run_events& ev) {
    // Not "now": gRPC rounds a deadline up to the next millisecond, which
    // an empty queue would make every call wait.
    return dispatch(gpr_inf_past(GPR_CLOCK_MONOTONIC), ev);
  }

  template <class Deadline>
  bool dispatch(const Deadline& deadline, run_events& ev) {
    void* t = nullptr;
    bool ok = false;
    if (cq.AsyncNext(&t, &ok, deadline) != grpc::CompletionQueue::GOT_EVENT)
      return false;
    auto* tg = static_cast<tag*>(t);
    switch (tg->kind) {
      case op::alarm:
        ev.on_interrupt();
        break;
      case op::unary:
        ev.on_unary_done(*static_cast<unary_call*>(tg->owner));
        break;
      default:
        static_cast<job_stream*>(tg->owner)->complete(tg->kind, ok, ev);
    }
    return true;
  }

  /// Polls until the (cancelled or ended) stream has no operation left.
  void settle(run_events& ev) {
    while (!stream->settled())
      poll(clock_type::now() + std::chrono::seconds(1), ev);
  }

  /// The stream for a run: the open one, or a new one when it ended.
  job_stream& open_stream() {
    // Events that arrived since the last run (the end of the stream, late
    // results) are taken first, so that a stream that ended meanwhile is
    // replaced rather than failing this run's jobs.
    run_events ignore;
    while (poll_now(ignore)) {
      // next
    }
    if (stream && !stream->alive()) {
      settle(ignore);
      stream.reset();
    }
    if (!stream)
      stream = std::make_unique<job_stream>(*stub, cq, token);
    return *stream;
  }
};

namespace {

/// One `run`: its jobs in flight, their deadlines, and what each event of
/// the queue means for them.
class job_run final : public run_events {
 public:
  job_run(client::state& st, const client::job_source& next, size_t concurrency,
          const client::result_handler& on_result,
          caf::timespan default_timeout, caf::timespan grace)
      : st_(st), next_(next), on_result_(on_result),
        concurrency_(std::max<size_t>(concurrency, 1)),
        default_timeout_(default_timeout), grace_(grace) {
    // nop
  }

  void execute() {
    stream_ = &st_.open_stream();
    bool interrupted = false;
    {
      std::lock_guard<std::mutex> guard{st_.mtx};
      interrupted = st_.interrupted;
    }
    if (interrupted)
      on_interrupt();
    refill();
    while (!in_flight_.empty() || (!source_done_ && !lost_ && !cancelling_)) {
      auto until = clock_type::now() + std::chrono::seconds(1);
      if (!deadlines_.empty())
        until = std::min(until, deadlines_.begin()->first);
      until = std::min(until, cancel_deadline_);
      st_.poll(until, *this);
      auto now = clock_type::now();
      if (now >= cancel_deadline_) {
        give_up_cancelling();
        break;
      }
      expire(now);
      refill();
    }
    if (lost_)
      drain_source(lost_->first, lost_->second);
    end_unary_calls();
  }

  void on_results(v1::ResultBatch& batch) override {
    for (auto& r : *batch.mutable_results()) {
      auto ref = r.ref();
      auto i = in_flight_.find(ref);
      if (i == in_flight_.end())
        continue; // a job answered already (timed out here): once only
      job_result out;
      wire::api::from_proto(r, out);
      answer(i, std::move(out));
    }
  }

  void on_stream_end(const grpc::Status& status) override {
    auto [st, why] = job_failure(status, st_.address);
    if (cancelling_ && st == job_status::cancelled)
      why = "interrupted; the call to node " + st_.address
            + " was cancelled before the node confirmed";
    std::vector<uint64_t> refs;
    for (auto& [ref, f] : in_flight_)
      if (f.call == nullptr)
        refs.push_back(ref);
    for (auto ref : refs)
      fail(ref, st, why);
    // Jobs not sent yet did not reach the node.
    if (st == job_status::node_lost)
      why = "lost the connection to node " + st_.address + " ("
            + status.error_message() + ") before the job was sent";
    lost_.emplace(st, std::move(why));
  }

  void on_unary_done(unary_call& call) override {
    auto owned = std::move(calls_[call.ref]);
    calls_.erase(call.ref);
    auto i = in_flight_.find(call.ref);
    if (i == in_flight_.end())
      return;
    if (call.status.ok()) {
      job_result out;
      wire::api::from_proto(call.reply, out);
      answer(i, std::move(out));
      return;
    }
    auto [st, why] = job_failure(call.status, st_.address, call.bytes);
    fail(call.ref, st, std::move(why));
  }

  void on_interrupt() override {
    if (cancelling_)
      return;
    cancelling_ = true;
    cancel_deadline_ = clock_type::now() + client::cancel_grace;
    for (auto& [ref, f] : in_flight_) {
      if (f.call != nullptr)
        f.call->ctx.TryCancel();
      else if (stream_->alive())
        stream_->push_cancel(ref);
    }
    stream_->flush();
    drain_source(job_status::cancelled, "interrupted before it was sent");
  }

 private:
  struct flight {
    /// The caller's id for the job.
    uint64_t id = 0;
    std::string skill;
    clock_type::time_point sent;
    clock_type::time_point deadline;
    /// The job's own call, when it is too large for the stream.
    unary_call* call = nullptr;
  };

  using flight_iter = std::unordered_map<uint64_t, flight>::iterator;

  void refill() {
    if (cancelling_ || lost_ || source_done_)
      return;
    while (in_flight_.size() < concurrency_ && stream_->alive()) {
      job j;
      if (!next_(j)) {
        source_done_ = true;
        break;
      }
      send(std::move(j));
    }
    stream_->flush();
  }

  void send(job&& j) {
    // A `string` field that is not UTF-8 would make the node refuse the
    // whole message, sinking the jobs sharing it.
    if (auto bad = utf8::first_invalid(j.skill); bad != j.skill.size()) {
      auto why = "skill name is not valid UTF-8 (at byte " + std::to_string(bad)
                 + ")";
      on_result_(make_failure(j, job_status::bad_input, std::move(why)),
                 caf::timespan{0});
      return;
    }
    auto now = clock_type::now();
    auto timeout = j.options.timeout > caf::timespan{0}
                     ? std::min(j.options.timeout, max_job_timeout)
                     : default_timeout_;
    auto ref = st_.next_ref++;
    flight f;
    f.id = j.id;
    f.skill = j.skill;
    f.sent = now;
    f.deadline = now + timeout + grace_;
    j.id = ref;
    v1::Job msg;
    wire::api::to_proto(j, msg);
    auto bytes = msg.ByteSizeLong();
    if (bytes > client::max_batch_bytes) {
      auto call = std::make_unique<unary_call>();
      call->ref = ref;
      call->bytes = bytes;
      prepare_call(call->ctx, st_.token, timeout + grace_);
      call->rpc = st_.stub->PrepareAsyncSubmit(&call->ctx, msg, &st_.cq);
      call->rpc->StartCall();
      call->rpc->Finish(&call->reply, &call->status, &call->done);
      f.call = call.get();
      calls_.emplace(ref, std::move(call));
    } else {
      stream_->push_job(std::move(msg), bytes);
    }
    deadlines_.emplace(f.deadline, ref);
    in_flight_.emplace(ref, std::move(f));
  }

  void answer(flight_iter i, job_result&& r) {
    auto& f = i->second;
    auto latency
      = std::chrono::duration_cast<caf::timespan>(clock_type::now() - f.sent);
    r.id = f.id;
    if (r.skill.empty())
      r.skill = f.skill;
    deadlines_.erase({f.deadline, i->first});
    in_flight_.erase(i);
    on_result_(std::move(r), latency);
  }

  void fail(uint64_t ref, job_status st, std::string why) {
    auto i = in_flight_.find(ref);
    if (i == in_flight_.end())
      return;
    job_result r;
    r.status = st;
    r.error = std::move(why);
    // Made here, not by a node: it names the node it was sent to.
    r.node = st_.address;
    answer(i, std::move(r));
  }

  // Jobs past their deadline plus grace: the node should have answered
  // them; they end TIMEOUT here and are cancelled there.
  void expire(clock_type::time_point now) {
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      auto ref = deadlines_.begin()->second;
      if (auto i = in_flight_.find(ref); i != in_flight_.end()) {
        if (i->second.call != nullptr)
          i->second.call->ctx.TryCancel();
        else if (stream_->alive())
          stream_->push_cancel(ref);
      }
      fail(ref, job_status::timeout,
           "no answer from node " + st_.address + " before the deadline");
    }
    stream_->flush();
  }

  // The node did not confirm an interrupt in time: the call goes, taking
  // whatever jobs of it remain on the node.
  void give_up_cancelling() {
    std::vector<uint64_t> refs;
    for (auto& kv : in_flight_)
      refs.push_back(kv.first);
    for (auto ref : refs)
      fail(ref, job_status::cancelled,
           "interrupted; node " + st_.address
             + " did not confirm the cancellation in time");
    stream_->cancel();
  }

  void drain_source(job_status st, const std::string& why) {
    while (!source_done_) {
      job j;
      if (!next_(j)) {
        source_done_ = true;
        break;
      }
      auto r = make_failure(j, st, why);
      r.node = st_.address;
      on_result_(std::move(r), caf::timespan{0});
    }
  }

  // Calls of jobs answered otherwise (timed out here) are cancelled and
  // waited for: their completions refer to them.
  void end_unary_calls() {
    for (auto& kv : calls_)
      kv.second->ctx.TryCancel();
    while (!calls_.empty())
      st_.poll(clock_type::now() + std::chrono::seconds(1), *this);
  }

  client::state& st_;
  job_stream* stream_ = nullptr;
  const client::job_source& next_;
  const client::result_handler& on_result_;
  size_t concurrency_;
  caf::timespan default_timeout_;
  caf::timespan grace_;
  std::unordered_map<uint64_t, flight> in_flight_;
  std::set<std::pair<clock_type::time_point, uint64_t>> deadlines_;
  std::unordered_map<uint64_t, std::unique_ptr<unary_call>> calls_;
  bool source_done_ = false;
  bool cancelling_ = false;
  clock_type::time_point cancel_deadline_ = clock_type::time_point::max();
  /// Set when the stream ended: what jobs not sent yet end with.
  std::optional<std::pair<job_status, std::string>> lost_;
};

// A control call to `method` with the token and `timeout` as its deadline;
// `convert` makes the caller's type of the reply.
template <class Request, class Reply, class Convert>
auto control_call(client::state& st, caf::timespan timeout,
                  grpc::Status (v1::Troupe::Stub::*method)(grpc::ClientContext*,
                                                           const Request&,
                                                           Reply*),
                  const Request& request, Convert convert)
  -> caf::expected<decltype(convert(std::declval<Reply&>()))> {
  grpc::ClientContext ctx;
  prepare_call(ctx, st.token, timeout);
  Reply reply;
  auto status = ((*st.stub).*method)(&ctx, request, &reply);
  if (!status.ok())
    return call_error(status, st.address);
  return convert(reply);
}

} // namespace

client::client(std::unique_ptr<state> st) : state_(std::move(st)) {
  // nop
}

client::client(client&&) noexcept = default;

client& client::operator=(client&&) noexcept = default;

client::~client() = default;

caf::expected<client> client::connect(const std::string& host, uint16_t port,
                                      const connect_options& opts) {
  auto channel = open_channel(host, port, opts);
  if (!channel)
    return channel.error();
  auto st = std::make_unique<state>();
  st->address = host + ":" + std::to_string(port);
  st->token = opts.token;
  st->channel = std::move(*channel);
  st->stub = v1::Troupe::NewStub(st->channel);
  return client{std::move(st)};
}

const std::string& client::address() const {
  return state_->address;
}

caf::expected<skill_list> client::skills(caf::timespan timeout) {
  return control_call(*state_, timeout, &v1::Troupe::Stub::ListSkills,
                      v1::ListSkillsRequest{}, [](v1::SkillList& reply) {
                        return wire::api::from_proto(reply);
                      });
}

caf::expected<node_status> client::status(caf::timespan timeout) {
  return control_call(*state_, timeout, &v1::Troupe::Stub::GetStatus,
                      v1::GetStatusRequest{}, [](v1::NodeStatus& reply) {
                        return wire::api::from_proto(reply);
                      });
}

caf::expected<breaker_status> client::breaker(const std::string& skill,
                                              breaker_command command,
                                              caf::timespan timeout) {
  v1::BreakerRequest request;
  request.set_skill(skill);
  request.set_action(wire::api::to_proto(command));
  return control_call(*state_, timeout, &v1::Troupe::Stub::Breaker, request,
                      [](v1::BreakerStatus& reply) {
                        return wire::api::from_proto(reply);
                      });
}

caf::expected<std::string> client::crash(const std::string& path,
                                         caf::timespan timeout) {
  v1::CrashRequest request;
  request.set_target(path);
  return control_call(*state_, timeout, &v1::Troupe::Stub::Crash, request,
                      [](v1::CrashReply& reply) {
                        return std::move(*reply.mutable_message());
                      });
}

caf::expected<drain_reply> client::drain(caf::timespan timeout) {
  return control_call(*state_, timeout, &v1::Troupe::Stub::Drain,
                      v1::DrainRequest{}, [](v1::DrainReply& reply) {
                        return drain_reply{reply.in_flight(),
                                           std::move(*reply.mutable_message())};
                      });
}

caf::expected<std::string> client::submit_detached(const job& j,
                                                   caf::timespan timeout) {
  v1::Job request;
  wire::api::to_proto(j, request);
  return control_call(*state_, timeout, &v1::Troupe::Stub::SubmitDetached,
                      request, [](v1::JobTicket& reply) {
                        return std::move(*reply.mutable_id());
                      });
}

caf::expected<uint32_t> client::cancel(const std::vector<std::string>& ids,
                                       caf::timespan timeout) {
  v1::CancelRequest request;
  for (auto& id : ids)
    request.add_ids(id);
  return control_call(*state_, timeout, &v1::Troupe::Stub::Cancel, request,
                      [](v1::CancelReply& reply) {
                        return reply.cancelled();
                      });
}

caf::expected<std::optional<job_result>> client::result(const std::string& id,
                                                        caf::timespan wait) {
  v1::GetResultRequest request;
  request.set_id(id);
  request.set_wait_ms(wire::to_millis(wait));
  // The call outlives the wait by the time an answer takes to come back.
  return control_call(*state_, wait + std::chrono::seconds(10),
                      &v1::Troupe::Stub::GetResult, request,
                      [](v1::JobState& reply) {
                        std::optional<job_result> out;
                        if (reply.done()) {
                          out.emplace();
                          wire::api::from_proto(reply.result(), *out);
                        }
                        return out;
                      });
}

void client::interrupt() {
  std::lock_guard<std::mutex> guard{state_->mtx};
  if (state_->interrupted)
    return;
  state_->interrupted = true;
  state_->alarm.Set(&state_->cq, gpr_now(GPR_CLOCK_REALTIME),
                    &state_->alarm_tag);
}

void client::run(const job_source& next, size_t concurrency,
                 const result_handler& on_result, caf::timespan default_timeout,
                 caf::timespan grace) {
  job_run{*state_, next, concurrency, on_result, default_timeout, grace}
    .execute();
}

void client::run(std::vector<job> jobs, size_t concurrency,
                 const result_handler& on_result, caf::timespan default_timeout,
                 caf::timespan grace) {
  size_t index = 0;
  run(
    [&](job& j) {
      if (index == jobs.size())
        return false;
      j = std::move(jobs[index]);
      j.id = index++;
      return true;
    },
    concurrency, on_result, default_timeout, grace);
}

job_result client::submit(job j, caf::timespan default_timeout) {
  job_result out;
  bool taken = false;
  run(
    [&](job& next) {
      if (taken)
        return false;
      taken = true;
      next = std::move(j);
      return true;
    },
    1,
    [&](job_result&& r, caf::timespan) {
      out = std::move(r);
    },
    default_timeout);
  return out;
}

} // namespace troupe::client
