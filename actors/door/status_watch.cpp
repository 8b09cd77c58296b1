#include "actors/door/status_watch.hpp"

#include "actors/door/ask.hpp"
#include "messages/wire/api_codec.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>

namespace troupe::door {

status_watch::status_watch(v1::Troupe::AsyncService& service,
                           const door_context& door)
    : service_(service), door_(door) {
  // nop
}

void status_watch::listen(v1::Troupe::AsyncService& service,
                          rpc::call_queue& queue, const door_context& door) {
  auto* raw = make(queue, service, door);
  service.RequestWatchStatus(&raw->ctx_, &raw->request_, &raw->writer_,
                             queue.get(), queue.get(), &raw->accepted_);
}

void status_watch::on_accepted(bool ok) {
  if (!accepted(ok))
    return;
  listen(service_, queue(), door_);
  caller who;
  auto st = door_.access->authorize(ctx_, role::submit, "WatchStatus", who);
  if (!st.ok()) {
    std::lock_guard<std::mutex> guard{mtx_};
    return finish(st);
  }
  // Faster than ten times a second would only load the node.
  interval_ = std::chrono::milliseconds{
    request_.interval_ms() == 0
      ? 1000
      : std::clamp<uint64_t>(request_.interval_ms(), 100, 3'600'000)};
  poll();
}

void status_watch::poll() {
  auto self = held();
  if (self == nullptr)
    return;
  // The actor may run after the door is gone: it takes what it needs.
  auto timeout = door_.limits.query_timeout;
  door_.sys->spawn(
    [self, timeout, gateway = door_.gateway](caf::event_based_actor* actor) {
      actor->request(gateway, timeout, atom::status::value)
        .then(
          [self](node_status& st) {
            self->on_status(st);
          },
          [self](caf::error& err) {
            std::lock_guard<std::mutex> guard{self->mtx_};
            self->finish(status_of(err));
          });
    });
}

void status_watch::on_status(const node_status& st) {
  // Under the lock: the call is not over, so the door (`door_`) is there.
  std::lock_guard<std::mutex> guard{mtx_};
  if (done() || ending_)
    return;
  v1::NodeStatus next;
  wire::api::to_proto(st, next);
  next.set_address(door_.address);
  next.set_cluster_address(door_.cluster_address);
  auto uptime = next.uptime_ms();
  next.set_uptime_ms(0);
  std::vector<uint64_t> ages;
  for (auto& a : *next.mutable_alerts()) {
    ages.push_back(a.age_ms());
    a.set_age_ms(0);
  }
  auto key = next.SerializeAsString();
  if (key == last_)
    return wait();
  last_ = std::move(key);
  next.set_uptime_ms(uptime);
  for (int i = 0; i < next.alerts_size(); ++i)
    next.mutable_alerts(i)->set_age_ms(ages[static_cast<size_t>(i)]);
  msg_ = std::move(next);
  writing_ = true;
  op_started();
  writer_.Write(msg_, &written_);
}

void status_watch::wait() {
  if (done() || ending_)
    return;
  op_started();
  alarm_.Set(queue().get(), std::chrono::system_clock::now() + interval_,
             &alarmed_);
}

void status_watch::on_written(bool ok) {
  std::shared_ptr<status_watch> last;
  std::lock_guard<std::mutex> guard{mtx_};
  last = op_ended();
  writing_ = false;
  if (end_after_write_) {
    auto status = std::move(*end_after_write_);
    end_after_write_.reset();
    ending_ = false;
    return finish(status);
  }
  if (!ok)
    return finish(
      grpc::Status{grpc::StatusCode::CANCELLED, "the client stopped reading"});
  wait();
}

void status_watch::on_alarm(bool ok) {
  bool again = false;
  {
    std::shared_ptr<status_watch> last;
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
    again = ok && !done() && !ending_;
  }
  if (again)
    poll();
}

void status_watch::finish(const grpc::Status& status) {
  if (done() || ending_)
    return;
  ending_ = true;
  if (writing_) {
    end_after_write_ = status; // on_written finishes
    return;
  }
  op_started();
  writer_.Finish(status, counted());
}

void status_watch::call_over(bool) {
  alarm_.Cancel();
}

} // namespace troupe::door
