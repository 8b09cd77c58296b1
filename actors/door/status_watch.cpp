#include "actors/door/status_watch.hpp"

#include "actors/door/ask.hpp"
#include "messages/wire/api_codec.hpp"

#include <caf/event_based_actor.hpp>

namespace troupe::door {

status_watch::status_watch(const door_context& door,
                           std::chrono::milliseconds interval)
    : door_(door), interval_(interval) {
  poll();
}

void status_watch::poll() {
  if (finished_)
    return;
  ++refs_;
  auto timeout = door_.limits.query_timeout;
  door_.sys->spawn([this, timeout](caf::event_based_actor* self) {
    self->request(door_.gateway, timeout, atom::status::value)
      .then(
        [this](node_status& st) {
          on_status(st);
          unref();
        },
        [this](caf::error& err) {
          finish(status_of(err));
          unref();
        });
  });
}

void status_watch::on_status(const node_status& st) {
  if (finished_)
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
  if (key == last_) {
    wait();
    return;
  }
  last_ = std::move(key);
  next.set_uptime_ms(uptime);
  for (int i = 0; i < next.alerts_size(); ++i)
    next.mutable_alerts(i)->set_age_ms(ages[static_cast<size_t>(i)]);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (finished_ || ending_)
      return;
    writing_ = true;
    msg_ = std::move(next);
  }
  StartWrite(&msg_);
}

void status_watch::wait() {
  ++refs_;
  alarm_.Set(std::chrono::system_clock::now() + interval_, [this](bool ok) {
    if (ok)
      poll();
    unref();
  });
}

void status_watch::OnWriteDone(bool ok) {
  std::optional<grpc::Status> end;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    writing_ = false;
    if (ending_) {
      end = std::move(ending_);
      finished_ = true;
    }
  }
  if (end) {
    Finish(*end);
    return;
  }
  if (!ok) {
    finish(
      grpc::Status{grpc::StatusCode::CANCELLED, "the client stopped reading"});
    return;
  }
  wait();
}

void status_watch::OnCancel() {
  alarm_.Cancel();
  finish(grpc::Status{grpc::StatusCode::CANCELLED, "the watch was cancelled"});
}

void status_watch::finish(const grpc::Status& status) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (finished_ || ending_)
      return;
    if (writing_) {
      ending_ = status; // OnWriteDone finishes
      return;
    }
    finished_ = true;
  }
  Finish(status);
}

void status_watch::OnDone() {
  alarm_.Cancel();
  unref();
}

void status_watch::unref() {
  if (--refs_ == 0)
    delete this;
}

} // namespace troupe::door
