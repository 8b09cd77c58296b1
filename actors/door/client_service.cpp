#include "actors/door/client_service.hpp"

#include "actors/door/ask.hpp"
#include "actors/door/job_stream.hpp"
#include "actors/door/single_job.hpp"
#include "actors/door/status_watch.hpp"
#include "messages/wire/api_codec.hpp"

#include <algorithm>
#include <utility>

namespace troupe::door {

namespace {

grpc::ServerUnaryReactor* refuse(grpc::CallbackServerContext* ctx,
                                 grpc::StatusCode code, std::string why) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status{code, std::move(why)});
  return reactor;
}

} // namespace

client_service::client_service(door_context door) : door_(std::move(door)) {
  // nop
}

grpc::ServerUnaryReactor*
client_service::Submit(grpc::CallbackServerContext* ctx, const v1::Job* in,
                       v1::JobResult* out) {
  return new single_job(ctx, door_, *in, out);
}

grpc::ServerBidiReactor<v1::JobBatch, v1::ResultBatch>*
client_service::Run(grpc::CallbackServerContext* ctx) {
  return new job_stream(ctx, door_);
}

grpc::ServerUnaryReactor*
client_service::ListSkills(grpc::CallbackServerContext* ctx,
                           const v1::ListSkillsRequest*, v1::SkillList* out) {
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.router,
    [reactor, out](skill_list& x) {
      wire::api::to_proto(x, *out);
      reactor->Finish(grpc::Status::OK);
    },
    atom::skills::value);
  return reactor;
}

grpc::ServerUnaryReactor*
client_service::GetStatus(grpc::CallbackServerContext* ctx,
                          const v1::GetStatusRequest*, v1::NodeStatus* out) {
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.gateway(),
    [this, reactor, out](node_status& x) {
      wire::api::to_proto(x, *out);
      out->set_address(door_.address);
      out->set_cluster_address(door_.cluster_address);
      reactor->Finish(grpc::Status::OK);
    },
    atom::status::value);
  return reactor;
}

grpc::ServerWriteReactor<v1::NodeStatus>*
client_service::WatchStatus(grpc::CallbackServerContext*,
                            const v1::WatchStatusRequest* in) {
  // Faster than ten times a second would only load the node.
  auto interval = std::chrono::milliseconds{
    in->interval_ms() == 0
      ? 1000
      : std::clamp<uint64_t>(in->interval_ms(), 100, 3'600'000)};
  return new status_watch(door_, interval);
}

grpc::ServerUnaryReactor*
client_service::Breaker(grpc::CallbackServerContext* ctx,
                        const v1::BreakerRequest* in, v1::BreakerStatus* out) {
  if (in->skill().empty())
    return refuse(ctx, grpc::StatusCode::INVALID_ARGUMENT,
                  "the breaker command names no skill");
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.router,
    [reactor, out](breaker_status& x) {
      wire::api::to_proto(x, *out);
      reactor->Finish(grpc::Status::OK);
    },
    atom::breaker::value, in->skill(), wire::api::from_proto(in->action()));
  return reactor;
}

grpc::ServerUnaryReactor*
client_service::Drain(grpc::CallbackServerContext* ctx, const v1::DrainRequest*,
                      v1::DrainReply* out) {
  if (!door_.drain)
    return refuse(ctx, grpc::StatusCode::FAILED_PRECONDITION,
                  "node " + door_.node_name
                    + " runs inside an application that offers no drain");
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.gateway(),
    [this, reactor, out](node_status& x) {
      out->set_in_flight(x.in_flight);
      out->set_message("node " + door_.node_name
                       + " is draining: it left its cluster, refuses new "
                         "jobs and exits once the jobs in flight finished");
      door_.drain();
      reactor->Finish(grpc::Status::OK);
    },
    atom::status::value);
  return reactor;
}

grpc::ServerUnaryReactor*
client_service::Crash(grpc::CallbackServerContext* ctx,
                      const v1::CrashRequest* in, v1::CrashReply* out) {
  if (!door_.crash_hook)
    return refuse(ctx, grpc::StatusCode::FAILED_PRECONDITION,
                  "crash injection is disabled on node " + door_.node_name
                    + " (it is a test hook: start the node with "
                      "--test-skills)");
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.gateway(),
    [reactor, out](std::string& what) {
      out->set_message(std::move(what));
      reactor->Finish(grpc::Status::OK);
    },
    atom::crash::value, in->target());
  return reactor;
}

} // namespace troupe::door
