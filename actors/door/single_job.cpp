#include "actors/door/single_job.hpp"

#include "actors/base/helping_scheduler.hpp"
#include "actors/door/call_deadline.hpp"
#include "messages/result_port.hpp"
#include "messages/wire/api_codec.hpp"

#include <caf/send.hpp>

#include <mutex>

namespace troupe::door {

/// The call as the gateway sees it; stops reaching the call once it is
/// done.
class single_job::port final : public result_port {
 public:
  explicit port(single_job* call) : call_(call) {
    // nop
  }

  void deliver(std::vector<job_result>& results) override {
    single_job* call = nullptr;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      call = call_;
      if (call == nullptr || results.empty())
        return;
      ++call->refs_;
    }
    call->on_result(results.front());
    call->unref();
  }

  void detach() {
    std::lock_guard<std::mutex> guard{mtx_};
    call_ = nullptr;
  }

 private:
  std::mutex mtx_;
  single_job* call_;
};

single_job::single_job(grpc::CallbackServerContext* ctx,
                       const door_context& door, caller who, const v1::Job& in,
                       v1::JobResult* out)
    : door_(door), who_(who), out_(out), ref_(in.ref()), tag_(in.tag()),
      port_(std::make_shared<port>(this)) {
  job j;
  auto why = wire::api::from_proto(in, j, door.limits.max_job_bytes);
  if (!why.empty()) {
    job_result r;
    r.status = job_status::bad_input;
    r.error = "job refused by node " + door.node_name + ": " + why;
    r.skill = in.skill();
    r.node = door.node_name;
    on_result(r);
    return;
  }
  j.id = 1;
  apply_call_deadline(j, time_left(*ctx));
  // The job's actors run on this gRPC thread (see job_stream::OnReadDone).
  base::help_scope help{*door.sys};
  caf::anon_send(door.gateway, atom::submit::value,
                 std::vector<job>{std::move(j)}, result_port_ptr{port_});
}

void single_job::on_result(job_result& r) {
  // The response is written only by the first to finish the call.
  if (finished_.exchange(true))
    return;
  answered_ = true;
  door_.access->release(who_, 1);
  wire::api::to_proto(r, *out_);
  out_->set_ref(ref_);
  if (!tag_.empty())
    out_->set_tag(tag_);
  Finish(grpc::Status::OK);
}

void single_job::finish(const grpc::Status& status) {
  if (!finished_.exchange(true))
    Finish(status);
}

void single_job::OnCancel() {
  finish(grpc::Status{grpc::StatusCode::CANCELLED,
                      "the call was cancelled; so is its job"});
}

void single_job::OnDone() {
  port_->detach();
  // Unanswered: the gateway cancels the job and forgets it.
  if (answered_)
    return unref();
  door_.access->release(who_, 1);
  caf::anon_send(door_.gateway, atom::leave::value, result_port_ptr{port_});
  unref();
}

void single_job::unref() {
  if (--refs_ == 0)
    delete this;
}

} // namespace troupe::door
