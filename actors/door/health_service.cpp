#include "actors/door/health_service.hpp"

#include "actors/door/unary_call.hpp"

#include <algorithm>

namespace troupe::door {

namespace hv1 = grpc::health::v1;

/// One `Watch` call: the latest status goes out whenever it differs from
/// the last one sent, one write at a time.
class health_service::watch final : public rpc::queued_call<watch> {
 public:
  explicit watch(health_service& health) : health_(health) {
    // nop
  }

  static void listen(health_service& health) {
    auto* raw = make(*health.queue_, health);
    auto* cq = health.queue_->get();
    health.service_.RequestWatch(&raw->ctx_, &raw->request_, &raw->writer_, cq,
                                 cq, &raw->accepted_);
  }

  /// The status of the watched service is `status` now.
  void update(serving_status status) {
    std::lock_guard<std::mutex> guard{mtx_};
    latest_ = status;
    write_next();
  }

  const std::string& service_name() const {
    return request_.service();
  }

 private:
  void on_accepted(bool ok) {
    if (!accepted(ok))
      return;
    listen(health_);
    serving_status now;
    {
      std::lock_guard<std::mutex> guard{health_.mtx_};
      auto& all = health_.watches_;
      all.erase(std::remove_if(all.begin(), all.end(),
                               [](auto& x) {
                                 return x.expired();
                               }),
                all.end());
      all.push_back(held());
      now = health_.status_of(request_.service());
    }
    update(now);
  }

  /// Lock held.
  void write_next() {
    if (writing_ || done() || (sent_any_ && latest_ == sent_))
      return;
    writing_ = true;
    sent_any_ = true;
    sent_ = latest_;
    msg_.set_status(sent_);
    op_started();
    writer_.Write(msg_, &written_);
  }

  void on_written(bool ok) {
    std::shared_ptr<watch> last;
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
    writing_ = false;
    if (ok)
      write_next();
  }

  health_service& health_;
  hv1::HealthCheckRequest request_;
  hv1::HealthCheckResponse msg_;
  grpc::ServerAsyncWriter<hv1::HealthCheckResponse> writer_{&ctx_};
  rpc::member_event<watch, &watch::on_accepted> accepted_{this};
  rpc::member_event<watch, &watch::on_written> written_{this};
  serving_status latest_ = hv1::HealthCheckResponse::UNKNOWN;
  serving_status sent_ = hv1::HealthCheckResponse::UNKNOWN;
  bool sent_any_ = false;
  bool writing_ = false;
};

health_service::health_service() = default;

health_service::serving_status
health_service::status_of(const std::string& name) const {
  if (!name.empty() && name != "troupe.v1.Troupe")
    return hv1::HealthCheckResponse::SERVICE_UNKNOWN;
  return serving_ ? hv1::HealthCheckResponse::SERVING
                  : hv1::HealthCheckResponse::NOT_SERVING;
}

void health_service::listen(rpc::call_queue& queue) {
  queue_ = &queue;
  using check_call
    = unary_call<hv1::HealthCheckRequest, hv1::HealthCheckResponse>;
  check_call::listen(
    queue,
    [this](grpc::ServerContext* ctx, hv1::HealthCheckRequest* in,
           grpc::ServerAsyncResponseWriter<hv1::HealthCheckResponse>* out,
           grpc::ServerCompletionQueue* q, void* tag) {
      service_.RequestCheck(ctx, in, out, q, q, tag);
    },
    [this](const check_call::ptr& call) {
      serving_status now;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        now = status_of(call->request().service());
      }
      if (now == hv1::HealthCheckResponse::SERVICE_UNKNOWN)
        return call->finish(
          {grpc::StatusCode::NOT_FOUND,
           "no service " + call->request().service() + " here"});
      call->reply().set_status(now);
      call->finish(grpc::Status::OK);
    });
  watch::listen(*this);
}

void health_service::set_serving(bool serving) {
  std::vector<std::pair<std::shared_ptr<watch>, serving_status>> tell;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    serving_ = serving;
    for (auto& w : watches_)
      if (auto x = w.lock())
        tell.emplace_back(x, status_of(x->service_name()));
  }
  for (auto& [w, status] : tell)
    w->update(status);
}

} // namespace troupe::door
