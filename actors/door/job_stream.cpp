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
/// stops reaching once the stream is done.
class job_stream::port final : public result_port {
 public:
  explicit port(job_stream* stream) : stream_(stream) {
    // nop
  }

  void deliver(std::vector<job_result>& results) override {
    job_stream* stream = nullptr;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stream = stream_;
      if (stream == nullptr)
        return;
      ++stream->refs_;
    }
    stream->on_results(results);
    stream->unref();
  }

  void detach() {
    std::lock_guard<std::mutex> guard{mtx_};
    stream_ = nullptr;
  }

 private:
  std::mutex mtx_;
  job_stream* stream_;
};

job_stream::job_stream(grpc::CallbackServerContext* ctx,
                       const door_context& door, caller who)
    : ctx_(ctx), door_(door), who_(who), port_(std::make_shared<port>(this)) {
  StartRead(&in_);
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

void job_stream::next(actions& todo) {
  if (finished_)
    return;
  if (!writing_ && !out_.empty()) {
    writing_ = true;
    todo.write = &out_.front();
  }
  if (!reading_ && !read_done_ && held_.empty()
      && in_flight_.size() < door_.limits.max_stream_in_flight
      && out_.size() < door_.limits.max_queued_batches) {
    reading_ = true;
    todo.read = true;
  }
  if (read_done_ && in_flight_.empty() && out_.empty() && !writing_) {
    finished_ = true;
    todo.finish = true;
    todo.status = grpc::Status::OK;
  }
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
  alarm_armed_ = true;
  ++refs_;
  alarm_.Set(
    std::chrono::system_clock::now()
      + std::chrono::duration_cast<std::chrono::system_clock::duration>(after),
    [this](bool ok) {
      actions todo;
      std::vector<job> jobs;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        alarm_armed_ = false;
        if (ok) {
          jobs = admit_held();
          next(todo);
        }
      }
      submit(std::move(jobs));
      run(todo);
      unref();
    });
}

void job_stream::submit(std::vector<job>&& jobs) {
  if (!jobs.empty())
    caf::anon_send(door_.gateway, atom::submit::value, std::move(jobs),
                   result_port_ptr{port_});
}

void job_stream::run(const actions& todo) {
  if (todo.write != nullptr)
    StartWrite(todo.write);
  if (todo.read)
    StartRead(&in_);
  if (todo.finish)
    Finish(todo.status);
}

void job_stream::on_results(std::vector<job_result>& results) {
  actions todo;
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
    next(todo);
  }
  submit(std::move(admitted));
  run(todo);
}

void job_stream::OnReadDone(bool ok) {
  actions todo;
  if (!ok) {
    // The client closed its side: finish once every result went out.
    {
      std::lock_guard<std::mutex> guard{mtx_};
      reading_ = false;
      read_done_ = true;
      next(todo);
    }
    run(todo);
    return;
  }
  auto left = time_left(*ctx_);
  std::vector<job> jobs;
  jobs.reserve(static_cast<size_t>(in_.jobs_size()));
  std::vector<uint64_t> cancels;
  bool quiet = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    reading_ = false;
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
    next(todo);
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
  if (!cancels.empty())
    caf::anon_send(door_.gateway, atom::cancel::value, std::move(cancels),
                   result_port_ptr{port_});
  run(todo);
}

void job_stream::OnWriteDone(bool ok) {
  actions todo;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    writing_ = false;
    if (!out_.empty())
      out_.pop_front();
    if (!ok) {
      // The client is gone; OnCancel or OnDone follows.
      if (!finished_) {
        finished_ = true;
        todo.finish = true;
        todo.status = grpc::Status{grpc::StatusCode::CANCELLED,
                                   "the client stopped reading results"};
      }
    } else {
      next(todo);
    }
  }
  run(todo);
}

void job_stream::OnCancel() {
  actions todo;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!finished_) {
      finished_ = true;
      todo.finish = true;
      todo.status = grpc::Status{grpc::StatusCode::CANCELLED,
                                 "the call was cancelled; its jobs in flight "
                                 "are cancelled"};
    }
  }
  run(todo);
}

void job_stream::OnDone() {
  port_->detach();
  alarm_.Cancel();
  uint64_t left = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    left = in_flight_.size() - held_.size();
    held_.clear();
    finished_ = true;
  }
  // Jobs still in flight have nobody to go to: the gateway cancels them,
  // and they no longer count against the caller's limits.
  door_.access->release(who_, left);
  if (left > 0)
    caf::anon_send(door_.gateway, atom::leave::value, result_port_ptr{port_});
  unref();
}

void job_stream::unref() {
  if (--refs_ == 0)
    delete this;
}

} // namespace troupe::door
