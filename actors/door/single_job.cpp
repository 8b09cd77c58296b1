#include "actors/door/single_job.hpp"

#include "actors/base/helping_scheduler.hpp"
#include "actors/door/call_deadline.hpp"
#include "messages/result_port.hpp"
#include "messages/wire/api_codec.hpp"

#include <caf/send.hpp>

#include <atomic>

namespace troupe::door {

namespace {

/// The call as the gateway sees it: the first of its result and the call's
/// end wins.
class single_port final : public result_port,
                          public std::enable_shared_from_this<single_port> {
 public:
  single_port(submit_call::ptr call, const door_context& door, caller who)
      : call_(std::move(call)), door_(door), who_(who) {
    // nop
  }

  void deliver(std::vector<job_result>& results) override {
    if (!results.empty())
      answer(results.front());
  }

  void answer(job_result& r) {
    if (answered_.exchange(true))
      return;
    door_.access->release(who_, 1);
    auto& out = call_->reply();
    const auto& in = call_->request();
    wire::api::to_proto(r, out);
    out.set_ref(in.ref());
    if (!in.tag().empty())
      out.set_tag(in.tag());
    call_->finish(grpc::Status::OK);
  }

  /// The call is over without an answer: the gateway cancels the job and
  /// forgets the port.
  void abandon() {
    if (answered_.exchange(true))
      return;
    door_.access->release(who_, 1);
    caf::anon_send(door_.gateway, atom::leave::value,
                   result_port_ptr{shared_from_this()});
  }

 private:
  submit_call::ptr call_;
  const door_context& door_;
  caller who_;
  std::atomic<bool> answered_{false};
};

} // namespace

void run_single_job(const submit_call::ptr& call, const door_context& door,
                    caller who) {
  auto port = std::make_shared<single_port>(call, door, who);
  const auto& in = call->request();
  job j;
  auto why = wire::api::from_proto(in, j, door.limits.max_job_bytes);
  if (!why.empty()) {
    job_result r;
    r.status = job_status::bad_input;
    r.error = "job refused by node " + door.node_name + ": " + why;
    r.skill = in.skill();
    r.node = door.node_name;
    port->answer(r);
    return;
  }
  j.id = 1;
  apply_call_deadline(j, time_left(call->ctx()));
  call->on_over([port](bool) {
    port->abandon();
  });
  // The job's actors run on this thread (see job_stream::on_read).
  base::help_scope help{*door.sys};
  caf::anon_send(door.gateway, atom::submit::value,
                 std::vector<job>{std::move(j)}, result_port_ptr{port});
}

} // namespace troupe::door
