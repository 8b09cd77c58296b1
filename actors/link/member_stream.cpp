#include "actors/link/member_stream.hpp"

#include "actors/base/helping_scheduler.hpp"
#include "actors/log/logging.hpp"
#include "actors/rpc/port_guard.hpp"
#include "messages/atoms.hpp"

#include <caf/send.hpp>

#include <algorithm>

namespace troupe::link {

/// Drops a stream's hold on itself once gRPC is done with it, after the
/// stream's lock is released: the queue learns that the call ended, then
/// the stream may be freed.
struct member_stream::release {
  member_stream_ptr ptr;

  ~release() {
    if (ptr)
      ptr->queue_.call_ended();
  }
};

member_stream::member_stream(rpc::call_queue& queue, handlers h, bool dialed,
                             stream_limits limits)
    : queue_(queue), handlers_(std::move(h)), dialed_(dialed), limits_(limits) {
  // nop
}

member_stream::~member_stream() = default;

void stream_set::prune() {
  all_.erase(std::remove_if(all_.begin(), all_.end(),
                            [](const std::weak_ptr<member_stream>& x) {
                              return x.expired();
                            }),
             all_.end());
}

void stream_set::add(const member_stream_ptr& s) {
  bool closed = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed = closed_;
    if (!closed) {
      prune();
      all_.push_back(s);
    }
  }
  if (closed)
    s->close(grpc::StatusCode::UNAVAILABLE, "the node stops");
}

bool stream_set::start(const member_stream_ptr& s,
                       const std::function<void()>& start) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_)
    return false;
  start();
  prune();
  all_.push_back(s);
  return true;
}

void stream_set::close_all(const std::string& why) {
  std::vector<std::weak_ptr<member_stream>> all;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    all.swap(all_);
  }
  for (auto& w : all)
    if (auto s = w.lock())
      s->close(grpc::StatusCode::UNAVAILABLE, why);
}

void member_stream::accept(mv1::Member::AsyncService& service,
                           rpc::call_queue& queue,
                           std::function<handlers()> make, stream_limits limits,
                           stream_set_ptr all, std::string port) {
  member_stream_ptr s{new member_stream(queue, handlers{}, false, limits)};
  auto* raw = s.get();
  raw->service_ = &service;
  raw->make_ = std::move(make);
  raw->all_ = std::move(all);
  raw->port_ = std::move(port);
  queue.call_began();
  raw->self_ = std::move(s);
  raw->server_ctx_.AsyncNotifyWhenDone(&raw->done_event_);
  service.RequestLink(&raw->server_ctx_, &raw->server_rw_, queue.get(),
                      queue.get(), &raw->started_event_);
}

member_stream_ptr member_stream::dial(mv1::Member::Stub& stub,
                                      rpc::call_queue& queue, mv1::Frame hello,
                                      handlers h, stream_limits limits,
                                      stream_set_ptr all) {
  member_stream_ptr s{new member_stream(queue, std::move(h), true, limits)};
  s->out_bytes_ = hello.ByteSizeLong();
  s->out_.push_back(std::move(hello));
  auto start = [&] {
    queue.call_began();
    s->self_ = s;
    std::lock_guard<std::mutex> guard{s->mtx_};
    s->client_rw_ = stub.PrepareAsyncLink(&s->client_ctx_, queue.get());
    ++s->pending_;
    s->client_rw_->StartCall(&s->started_event_);
  };
  // A node that stops cancels every stream of the set; one it did not
  // start yet never starts (and never touches a queue that may be gone).
  if (!all)
    start();
  else
    all->start(s, start);
  return s;
}

grpc::StatusCode member_stream::status_code() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return status_.error_code();
}

std::string member_stream::peer_address() const {
  return dialed_ ? client_ctx_.peer() : server_ctx_.peer();
}

member_stream_ptr member_stream::op_ended() {
  --pending_;
  return over_ && pending_ == 0 ? std::move(self_) : nullptr;
}

void member_stream::on_started(bool ok) {
  release last;
  if (!dialed_) {
    if (!ok) {
      // Not accepted (the server stops): no done notification comes.
      last.ptr = std::move(self_);
      return;
    }
    accept(*service_, queue_, make_, limits_, all_, port_);
    handlers_ = make_();
    if (all_)
      all_->add(shared_from_this());
    peer_ = rpc::identity_of(server_ctx_.auth_context());
  }
  std::lock_guard<std::mutex> guard{mtx_};
  if (dialed_) {
    last.ptr = op_ended();
    if (!ok) {
      reads_failed_ = true;
      return reads_over();
    }
    peer_ = rpc::identity_of(client_ctx_.auth_context());
  }
  started_ = true;
  if (!dialed_ && !port_.empty() && !rpc::came_through(server_ctx_, port_)) {
    // The door's port of the same server: a client there is no member.
    why_ = "a member stream came through another port than the " + port_;
    log::cluster().warn("{} (from {}): refused", why_, server_ctx_.peer());
    return refuse(grpc::StatusCode::UNIMPLEMENTED,
                  "this port does not offer troupe's member protocol");
  }
  ++pending_;
  alarm_armed_ = true;
  alarm_.Set(queue_.get(),
             std::chrono::system_clock::now() + limits_.hello_timeout,
             &alarm_event_);
  next_write();
  start_read();
}

void member_stream::start_read() {
  if (reading_ || reads_failed_ || over_ || finishing_)
    return;
  reading_ = true;
  ++pending_;
  if (dialed_)
    client_rw_->Read(&in_, &read_event_);
  else
    server_rw_.Read(&in_, &read_event_);
}

void member_stream::next_write() {
  if (writing_ || out_.empty() || !started_ || over_ || finishing_)
    return;
  writing_ = true;
  ++writes_;
  ++pending_;
  if (dialed_)
    client_rw_->Write(out_.front(), &written_event_);
  else
    server_rw_.Write(out_.front(), &written_event_);
  if (read_deferred_) {
    // The write carries the window update the read would have sent.
    read_deferred_ = false;
    start_read();
  }
}

void member_stream::disarm() {
  if (alarm_armed_) {
    alarm_armed_ = false;
    alarm_.Cancel();
  }
  read_deferred_ = false;
}

void member_stream::reads_over() {
  // Nothing is read any more: the hello's deadline would only hold the
  // stream (and a stopping node's queue) until it fires.
  disarm();
  if (dialed_) {
    if (finishing_)
      return;
    finishing_ = true;
    ++pending_;
    client_rw_->Finish(&status_, &finished_event_);
  } else {
    // The peer closed its side or went away: end the call; the done
    // notification follows.
    server_ctx_.TryCancel();
  }
}

void member_stream::refuse(grpc::StatusCode code, const std::string& why) {
  finishing_ = true;
  ++pending_;
  server_rw_.Finish(grpc::Status{code, why}, &finished_event_);
}

void member_stream::on_read(bool ok) {
  release last;
  std::unique_lock<std::mutex> guard{mtx_};
  last.ptr = op_ended();
  reading_ = false;
  if (!ok) {
    reads_failed_ = true;
    reads_over();
    guard.unlock();
    // A dialled stream learns why from its status (`on_finished`).
    if (!dialed_)
      ended(why_.empty() ? "the peer closed the link" : why_);
    return;
  }
  if (!first_read_) {
    first_read_ = true;
    disarm();
    auto first = std::move(in_);
    in_.Clear();
    auto on_first = handlers_.on_first;
    auto self = weak_from_this().lock();
    guard.unlock();
    // Reading pauses until the stream is attached to its link.
    if (on_first && self)
      on_first(std::move(self), std::move(first));
    return;
  }
  auto frame = std::make_shared<mv1::Frame>(std::move(in_));
  in_.Clear();
  auto link = link_;
  // Nothing waits to go out: the link is quiet.
  auto quiet = !writing_ && out_.empty();
  if (!quiet) {
    start_read();
    guard.unlock();
    caf::anon_send(link, std::move(frame));
    return;
  }
  auto writes = writes_;
  guard.unlock();
  {
    // On a quiet link this thread runs the actors the frame makes ready
    // (the link, the gateway, a quick skill, the way back) instead of
    // waking a scheduler thread, as the door does for a quiet client: a
    // lone job crossing members costs no thread hand-off. Under load the
    // scheduler thread works while this one reads and writes.
    base::help_scope help{link->home_system()};
    caf::anon_send(link, std::move(frame));
  }
  // gRPC 1.51 owes the peer a window update for what was read. A write
  // carries it along; a read started while it is still owed sends it on
  // its own, at once, and wakes the peer for nothing. So when nothing went
  // out meanwhile, reading goes on with the next frame sent (the next job
  // to a member whose result just came, while the queue polls for it), or
  // once the queue's thread would sleep or handled a few more events
  // (`call_queue::defer`): a lone job then crosses members with one
  // wake-up per node and direction.
  std::lock_guard<std::mutex> again{mtx_};
  if (writes_ != writes)
    start_read();
  else
    defer_read();
}

void member_stream::defer_read() {
  if (reading_ || read_deferred_ || reads_failed_ || over_ || finishing_)
    return;
  read_deferred_ = true;
  if (!resume_queued_) {
    resume_queued_ = true;
    ++pending_;
    queue_.defer(resume_task_);
  }
}

void member_stream::resume_read() {
  release last;
  std::lock_guard<std::mutex> guard{mtx_};
  last.ptr = op_ended();
  resume_queued_ = false;
  if (read_deferred_) {
    read_deferred_ = false;
    start_read();
  }
}

void member_stream::on_written(bool ok) {
  release last;
  std::lock_guard<std::mutex> guard{mtx_};
  last.ptr = op_ended();
  writing_ = false;
  if (!out_.empty()) {
    out_bytes_ -= std::min(out_bytes_, out_.front().ByteSizeLong());
    out_.pop_front();
  }
  if (!ok) {
    // The stream broke; the pending read fails too and tells why.
    out_.clear();
    out_bytes_ = 0;
    return;
  }
  next_write();
}

std::string member_stream::status_text(const grpc::Status& st) {
  switch (st.error_code()) {
    case grpc::StatusCode::OK:
      return "the peer ended the link";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "it does not speak troupe's member protocol (a client port, or "
             "not a troupe node?)";
    case grpc::StatusCode::UNAVAILABLE:
      return "no connection ("
             + (st.error_message().empty() ? std::string{"unavailable"}
                                           : st.error_message())
             + ")";
    default:
      return st.error_message().empty()
               ? "the link ended (gRPC status "
                   + std::to_string(static_cast<int>(st.error_code())) + ")"
               : st.error_message();
  }
}

void member_stream::on_finished(bool) {
  release last;
  std::string why;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (dialed_) {
      over_ = true;
      why = !why_.empty() ? why_ : status_text(status_);
    }
    last.ptr = op_ended();
  }
  if (dialed_)
    ended(std::move(why));
}

void member_stream::on_done(bool) {
  release last;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    over_ = true;
    disarm();
    out_.clear();
    out_bytes_ = 0;
    if (pending_ == 0)
      last.ptr = std::move(self_);
  }
  ended(why_.empty() ? "the link ended" : why_);
}

void member_stream::on_alarm(bool ok) {
  release last;
  std::lock_guard<std::mutex> guard{mtx_};
  last.ptr = op_ended();
  alarm_armed_ = false;
  if (ok && !first_read_ && !over_) {
    why_ = "no hello within " + std::to_string(limits_.hello_timeout.count())
           + " ms";
    if (dialed_)
      client_ctx_.TryCancel();
    else
      server_ctx_.TryCancel();
  }
}

bool member_stream::send(mv1::Frame&& frame, bool awaits_reply) {
  if (awaits_reply && limits_.reply_poll.count() > 0)
    queue_.poll_for(limits_.reply_poll);
  std::lock_guard<std::mutex> guard{mtx_};
  if (over_ || told_end_ || finishing_)
    return false;
  auto size = frame.ByteSizeLong();
  if (out_bytes_ + size > limits_.max_queued_bytes) {
    why_ = "the peer does not read what is sent to it ("
           + std::to_string(out_bytes_) + " bytes waiting)";
    if (dialed_)
      client_ctx_.TryCancel();
    else
      server_ctx_.TryCancel();
    return false;
  }
  out_bytes_ += size;
  out_.push_back(std::move(frame));
  next_write();
  return true;
}

void member_stream::attach(caf::actor link) {
  std::string why;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    link_ = link;
    if (told_end_)
      why = why_;
    else
      start_read();
  }
  if (!why.empty())
    caf::anon_send(link, atom::leave::value, std::move(why));
}

void member_stream::close(grpc::StatusCode code, const std::string& why) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (over_ || finishing_)
    return;
  if (why_.empty())
    why_ = why;
  disarm();
  if (!dialed_ && started_ && !link_ && !writing_ && !reading_)
    return refuse(code, why); // only the hello was read
  if (dialed_)
    client_ctx_.TryCancel();
  else
    server_ctx_.TryCancel();
}

void member_stream::ended(std::string why) {
  caf::actor link;
  std::function<void(member_stream_ptr, std::string)> on_end;
  member_stream_ptr self;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (told_end_)
      return;
    told_end_ = true;
    if (why_.empty())
      why_ = why;
    link = link_;
    if (!link) {
      on_end = handlers_.on_end;
      // The stream may have let go of itself already (gRPC is done with
      // it); whoever called this holds it until the call returns.
      self = weak_from_this().lock();
    }
  }
  if (link)
    caf::anon_send(link, atom::leave::value, std::move(why));
  else if (on_end)
    on_end(std::move(self), std::move(why));
}

} // namespace troupe::link
