#include "actors/door/job_stream.hpp"

#include "actors/base/helping_scheduler.hpp"
#include "actors/door/call_deadline.hpp"
#include "messages/result_port.hpp"
#include "messages/wire/api_codec.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <optional>

namespace troupe::door {

/// The stream as the gateway sees it: it outlives the stream, which it
/// stops reaching once the stream is freed.
class job_stream::port final : public result_port {
 public:
  explicit port(std::weak_ptr<job_stream> stream) : stream_(std::move(stream)) {
    // nop
  }

  void deliver(std::vector<job_result>& results) override {
    if (auto stream = stream_.lock())
      stream->on_results(results);
  }

 private:
  std::weak_ptr<job_stream> stream_;
};

job_stream::job_stream(v1::Troupe::AsyncService& service,
                       const door_context& door)
    : service_(service), door_(door) {
  // nop
}

void job_stream::listen(v1::Troupe::AsyncService& service,
                        rpc::call_queue& queue, const door_context& door) {
  auto* raw = make(queue, service, door);
  service.RequestRun(&raw->ctx_, &raw->rw_, queue.get(), queue.get(),
                     &raw->accepted_);
}

void job_stream::on_accepted(bool ok) {
  if (!accepted(ok))
    return;
  listen(service_, queue(), door_);
  caller who;
  auto st = door_.access->authorize(ctx_, role::submit, "Run", who);
  std::lock_guard<std::mutex> guard{mtx_};
  if (!st.ok())
    return finish(st);
  who_ = who;
  port_ = std::make_shared<port>(held());
  reading_ = true;
  op_started();
  rw_.Read(&in_, &read_);
}

void job_stream::add_result(uint64_t ref, std::string&& tag,
                            const job_result& r) {
  auto& lim = door_.limits;
  auto size = r.output.size() + r.error.size() + 64;
  if (out_.empty() || (writing_ && out_.size() == 1)
      || static_cast<size_t>(out_.back().results_size())
           >= lim.max_results_per_batch
      || back_bytes_ + size > lim.max_result_batch_bytes) {
    out_.emplace_back();
    back_bytes_ = 0;
  }
  back_bytes_ += size;
  auto* pr = out_.back().add_results();
  wire::api::to_proto(r, *pr);
  pr->set_ref(ref);
  if (!tag.empty())
    pr->set_tag(std::move(tag));
}

void job_stream::add_failure(const v1::Job& in, job_status status,
                             std::string why) {
  job_result r;
  r.status = status;
  r.error = std::move(why);
  r.skill = in.skill();
  r.node = door_.node_name;
  add_result(in.ref(), std::string{in.tag()}, r);
}

void job_stream::next() {
  if (finished_ || done())
    return;
  if (!writing_ && !out_.empty()) {
    writing_ = true;
    op_started();
    rw_.Write(out_.front(), &written_);
  }
  if (!reading_ && !read_done_ && held_.empty()
      && in_flight_.size() < door_.limits.max_stream_in_flight
      && out_.size() < door_.limits.max_queued_batches) {
    reading_ = true;
    op_started();
    rw_.Read(&in_, &read_);
  }
  if (read_done_ && in_flight_.empty() && out_.empty() && !writing_)
    finish(grpc::Status::OK);
}

void job_stream::finish(const grpc::Status& status) {
  if (finished_ || done())
    return;
  finished_ = true;
  op_started();
  rw_.Finish(status, counted());
}

std::vector<job> job_stream::admit_held() {
  std::vector<job> out;
  if (held_.empty() || finished_)
    return out;
  auto a = door_.access->admit(who_, held_.size());
  if (a.admitted()) {
    out.swap(held_);
  } else if (a.outcome == verdict::rate_exceeded && !alarm_armed_) {
    arm_alarm(a.retry_after);
  }
  return out;
}

void job_stream::arm_alarm(admission_clock::duration after) {
  if (done())
    return;
  alarm_armed_ = true;
  op_started();
  alarm_.Set(
    queue().get(),
    std::chrono::system_clock::now()
      + std::chrono::duration_cast<std::chrono::system_clock::duration>(after),
    &alarmed_);
}

void job_stream::on_alarm(bool ok) {
  std::vector<job> jobs;
  {
    std::shared_ptr<job_stream> last;
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
    alarm_armed_ = false;
    if (!ok || last != nullptr)
      return;
    jobs = admit_held();
    next();
  }
  submit(std::move(jobs));
}

void job_stream::submit(std::vector<job>&& jobs) {
  if (!jobs.empty())
    caf::anon_send(door_.gateway, atom::submit::value, std::move(jobs),
                   result_port_ptr{port_});
}

void job_stream::on_results(std::vector<job_result>& results) {
  std::vector<job> admitted;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (finished_)
      return;
    uint64_t ended = 0;
    for (auto& r : results) {
      auto i = in_flight_.find(r.id);
      if (i == in_flight_.end())
        continue;
      add_result(r.id, std::move(i->second), r);
      in_flight_.erase(i);
      ++ended;
    }
    door_.access->release(who_, ended);
    admitted = admit_held();
    next();
  }
  submit(std::move(admitted));
}

void job_stream::on_read(bool ok) {
  std::shared_ptr<job_stream> last;
  if (!ok) {
    // The client closed its side (or the call is over): finish once every
    // result went out.
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
    reading_ = false;
    read_done_ = true;
    return next();
  }
  auto left = time_left(ctx_);
  std::vector<job> jobs;
  jobs.reserve(static_cast<size_t>(in_.jobs_size()));
  std::vector<uint64_t> cancels;
  bool quiet = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
    reading_ = false;
    if (finished_)
      return; // the call ends: nothing more starts
    quiet = in_flight_.empty();
    for (auto& pj : *in_.mutable_jobs()) {
      if (in_flight_.count(pj.ref()) > 0) {
        add_failure(pj, job_status::bad_input,
                    "job refused by node " + door_.node_name + ": ref "
                      + std::to_string(pj.ref())
                      + " is already in flight on this stream");
        continue;
      }
      job j;
      auto why = wire::api::from_proto(pj, j, door_.limits.max_job_bytes);
      if (!why.empty()) {
        add_failure(pj, job_status::bad_input,
                    "job refused by node " + door_.node_name + ": " + why);
        continue;
      }
      j.id = pj.ref();
      apply_call_deadline(j, left);
      in_flight_.emplace(pj.ref(), std::move(*pj.mutable_tag()));
      jobs.push_back(std::move(j));
    }
    for (auto ref : in_.cancel()) {
      if (in_flight_.count(ref) == 0)
        continue;
      // A job held back by the token's limits is answered here; the
      // others where they are.
      auto held = std::find_if(held_.begin(), held_.end(), [ref](const job& j) {
        return j.id == ref;
      });
      if (held != held_.end()) {
        auto r = make_failure(*held, job_status::cancelled,
                              "cancelled by the client before it started");
        r.node = door_.node_name;
        add_result(ref, std::move(in_flight_[ref]), r);
        in_flight_.erase(ref);
        held_.erase(held);
        continue;
      }
      cancels.push_back(ref);
    }
    if (!jobs.empty()) {
      auto a = door_.access->admit(who_, jobs.size());
      if (a.outcome == verdict::batch_too_large) {
        // No retry admits it: its jobs fail, the stream goes on.
        for (auto& j : jobs) {
          auto r = make_failure(j, job_status::overloaded,
                                "job refused by node " + door_.node_name + ": "
                                  + describe(a));
          r.node = door_.node_name;
          add_result(j.id, std::move(in_flight_[j.id]), r);
          in_flight_.erase(j.id);
        }
        jobs.clear();
      } else if (!a.admitted()) {
        // The stream waits: results free the token's jobs in flight, an
        // alarm its rate.
        held_ = std::move(jobs);
        jobs.clear();
        if (a.outcome == verdict::rate_exceeded && !alarm_armed_)
          arm_alarm(a.retry_after);
      }
    }
    // A quiet stream's next read starts once its jobs ran: the result's
    // write goes out first, and gRPC sends it with the read's window update
    // in one packet rather than two.
    if (!quiet)
      next();
  }
  {
    // Nothing of this stream was under way: this thread runs the actors its
    // jobs make ready, and a quick result goes out from here, as a plain
    // gRPC server would answer. Under load the scheduler threads take the
    // jobs, and this thread goes back to reading.
    std::optional<base::help_scope> help;
    if (quiet)
      help.emplace(*door_.sys);
    submit(std::move(jobs));
  }
  if (quiet) {
    std::lock_guard<std::mutex> guard{mtx_};
    next();
  }
  if (!cancels.empty())
    caf::anon_send(door_.gateway, atom::cancel::value, std::move(cancels),
                   result_port_ptr{port_});
}

void job_stream::on_written(bool ok) {
  std::shared_ptr<job_stream> last;
  std::lock_guard<std::mutex> guard{mtx_};
  last = op_ended();
  writing_ = false;
  if (!out_.empty())
    out_.pop_front();
  if (ok)
    return next();
  finish(grpc::Status{grpc::StatusCode::CANCELLED,
                      "the client stopped reading results"});
}

void job_stream::call_over(bool) {
  alarm_.Cancel();
  uint64_t left = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    finished_ = true;
    left = in_flight_.size() - held_.size();
    held_.clear();
    in_flight_.clear();
  }
  if (port_ == nullptr)
    return; // refused before it started
  // Jobs still in flight have nobody to go to: the gateway cancels them,
  // and they no longer count against the caller's limits.
  door_.access->release(who_, left);
  if (left > 0)
    caf::anon_send(door_.gateway, atom::leave::value, result_port_ptr{port_});
}

} // namespace troupe::door
