#include "actors/door/client_service.hpp"

#include "actors/door/ask.hpp"
#include "actors/door/call_deadline.hpp"
#include "actors/door/job_stream.hpp"
#include "actors/door/result_wait.hpp"
#include "actors/door/single_job.hpp"
#include "actors/door/status_watch.hpp"
#include "messages/detached.hpp"
#include "messages/wire/api_codec.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <utility>

namespace troupe::door {

namespace {

grpc::ServerUnaryReactor* answer_now(grpc::CallbackServerContext* ctx,
                                     grpc::Status status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

grpc::ServerUnaryReactor* answer_now(grpc::CallbackServerContext* ctx,
                                     grpc::StatusCode code, std::string why) {
  return answer_now(ctx, grpc::Status{code, std::move(why)});
}

grpc::Status keeper_full() {
  return {grpc::StatusCode::RESOURCE_EXHAUSTED,
          "the node holds as many detached jobs as it may; retry when some "
          "results expired"};
}

/// Whose detached jobs a caller sees: its token's.
std::string owner_of(const caller& who) {
  return who.token != nullptr ? who.token->name : std::string{};
}

/// The answer to `GetResult` for a job another member holds.
grpc::Status answer_detached(const std::string& id, detached_state state,
                             std::string& result, v1::JobState& out) {
  out.set_id(id);
  switch (state) {
    case detached_state::pending:
      out.set_done(false);
      return grpc::Status::OK;
    case detached_state::done:
      if (!out.mutable_result()->ParseFromString(result))
        return {grpc::StatusCode::INTERNAL,
                "the member holding job " + id + " sent an unreadable result"};
      out.set_done(true);
      return grpc::Status::OK;
    case detached_state::lost: {
      out.set_done(true);
      auto* r = out.mutable_result();
      r->set_id(id);
      r->set_status(v1::NODE_LOST);
      r->set_error(std::move(result));
      return grpc::Status::OK;
    }
    default:
      return result.empty() ? no_such_job(id)
                            : grpc::Status{grpc::StatusCode::NOT_FOUND,
                                           "no job " + id + ": " + result};
  }
}

/// A streaming call refused before it started.
template <class Reactor>
class refused final : public Reactor {
 public:
  explicit refused(grpc::Status status) {
    this->Finish(std::move(status));
  }

  void OnDone() override {
    delete this;
  }
};

} // namespace

client_service::client_service(door_context door) : door_(std::move(door)) {
  // nop
}

grpc::Status client_service::allowed(grpc::CallbackServerContext* ctx,
                                     role needed, const char* call) const {
  caller who;
  return door_.access->authorize(*ctx, needed, call, who);
}

grpc::ServerUnaryReactor*
client_service::Submit(grpc::CallbackServerContext* ctx, const v1::Job* in,
                       v1::JobResult* out) {
  caller who;
  if (auto st = door_.access->authorize(*ctx, role::submit, "Submit", who);
      !st.ok())
    return answer_now(ctx, std::move(st));
  if (auto a = door_.access->admit(who, 1); !a.admitted())
    return answer_now(ctx, access::refusal(*ctx, a));
  if (in->idempotency_key().empty())
    return new single_job(ctx, door_, who, *in, out);
  // A key: the job runs once, kept like a detached job, and every retry
  // with the key gets its result.
  result_keeper::ticket t;
  if (auto why = start_detached(who, *in, true, ctx, t); !why.empty())
    return answer_now(ctx, grpc::StatusCode::INVALID_ARGUMENT, std::move(why));
  if (t.full)
    return answer_now(ctx, keeper_full());
  return new result_wait(door_.keeper, owner_of(who), t.id, time_left(*ctx),
                         nullptr, out);
}

std::string client_service::start_detached(const caller& who, const v1::Job& in,
                                           bool call_deadline,
                                           grpc::CallbackServerContext* ctx,
                                           result_keeper::ticket& t) {
  job j;
  if (auto why = wire::api::from_proto(in, j, door_.limits.max_job_bytes);
      !why.empty()) {
    door_.access->release(who, 1);
    return "job refused by node " + door_.node_name + ": " + why;
  }
  t = door_.keeper->enter(who, owner_of(who), in.idempotency_key(), in.tag());
  if (t.existing || t.full)
    return {};
  j.id = t.number;
  if (call_deadline)
    apply_call_deadline(j, time_left(*ctx));
  caf::anon_send(door_.gateway, atom::submit::value,
                 std::vector<job>{std::move(j)}, door_.keeper->port());
  return {};
}

grpc::ServerUnaryReactor*
client_service::SubmitDetached(grpc::CallbackServerContext* ctx,
                               const v1::Job* in, v1::JobTicket* out) {
  caller who;
  if (auto st = door_.access->authorize(*ctx, role::submit, "SubmitDetached",
                                        who);
      !st.ok())
    return answer_now(ctx, std::move(st));
  if (auto a = door_.access->admit(who, 1); !a.admitted())
    return answer_now(ctx, access::refusal(*ctx, a));
  result_keeper::ticket t;
  if (auto why = start_detached(who, *in, false, ctx, t); !why.empty())
    return answer_now(ctx, grpc::StatusCode::INVALID_ARGUMENT, std::move(why));
  if (t.full)
    return answer_now(ctx, keeper_full());
  out->set_id(t.id);
  out->set_tag(in->tag());
  out->set_existing(t.existing);
  return answer_now(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor*
client_service::GetResult(grpc::CallbackServerContext* ctx,
                          const v1::GetResultRequest* in, v1::JobState* out) {
  caller who;
  if (auto st = door_.access->authorize(*ctx, role::submit, "GetResult", who);
      !st.ok())
    return answer_now(ctx, std::move(st));
  auto wait = std::min<caf::timespan>(
    std::chrono::duration_cast<caf::timespan>(std::chrono::milliseconds{
      std::min<uint64_t>(in->wait_ms(), uint64_t{1} << 40)}),
    time_left(*ctx));
  if (door_.keeper->holds(in->id()))
    return new result_wait(door_.keeper, owner_of(who), in->id(), wait, out,
                           nullptr);
  // Another member's job (or one of an earlier run of this node): the
  // gateway asks whoever holds it.
  auto* reactor = ctx->DefaultReactor();
  ask_within(
    door_, reactor, wait + door_.limits.query_timeout, door_.gateway,
    [reactor, out, id = in->id()](int32_t state, std::string& result) {
      reactor->Finish(
        answer_detached(id, static_cast<detached_state>(state), result, *out));
    },
    atom::get::value, owner_of(who), in->id(), wait);
  return reactor;
}

grpc::ServerUnaryReactor*
client_service::Cancel(grpc::CallbackServerContext* ctx,
                       const v1::CancelRequest* in, v1::CancelReply* out) {
  caller who;
  if (auto st = door_.access->authorize(*ctx, role::submit, "Cancel", who);
      !st.ok())
    return answer_now(ctx, std::move(st));
  std::vector<std::string> ids;
  std::vector<std::string> elsewhere;
  for (auto& id : in->ids())
    (door_.keeper->holds(id) ? ids : elsewhere).push_back(id);
  auto numbers = door_.keeper->pending(owner_of(who), ids);
  auto here = static_cast<uint32_t>(numbers.size());
  if (!numbers.empty())
    caf::anon_send(door_.gateway, atom::cancel::value, std::move(numbers),
                   door_.keeper->port());
  if (elsewhere.empty()) {
    out->set_cancelled(here);
    return answer_now(ctx, grpc::Status::OK);
  }
  // Jobs of other members: their gateways cancel them.
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.gateway,
    [reactor, out, here](uint32_t there) {
      out->set_cancelled(here + there);
      reactor->Finish(grpc::Status::OK);
    },
    atom::cancel::value, owner_of(who), std::move(elsewhere));
  return reactor;
}

grpc::ServerBidiReactor<v1::JobBatch, v1::ResultBatch>*
client_service::Run(grpc::CallbackServerContext* ctx) {
  caller who;
  if (auto st = door_.access->authorize(*ctx, role::submit, "Run", who);
      !st.ok())
    return new refused<grpc::ServerBidiReactor<v1::JobBatch, v1::ResultBatch>>(
      std::move(st));
  return new job_stream(ctx, door_, who);
}

grpc::ServerUnaryReactor*
client_service::ListSkills(grpc::CallbackServerContext* ctx,
                           const v1::ListSkillsRequest*, v1::SkillList* out) {
  if (auto st = allowed(ctx, role::submit, "ListSkills"); !st.ok())
    return answer_now(ctx, std::move(st));
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
  if (auto st = allowed(ctx, role::submit, "GetStatus"); !st.ok())
    return answer_now(ctx, std::move(st));
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.gateway,
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
client_service::WatchStatus(grpc::CallbackServerContext* ctx,
                            const v1::WatchStatusRequest* in) {
  if (auto st = allowed(ctx, role::submit, "WatchStatus"); !st.ok())
    return new refused<grpc::ServerWriteReactor<v1::NodeStatus>>(std::move(st));
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
  // Looking is for everyone who may submit; commands are for operators.
  auto needed = in->action() == v1::BreakerRequest::SHOW ? role::submit
                                                         : role::operate;
  if (auto st = allowed(ctx, needed, "Breaker"); !st.ok())
    return answer_now(ctx, std::move(st));
  if (in->skill().empty())
    return answer_now(ctx, grpc::StatusCode::INVALID_ARGUMENT,
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
  if (auto st = allowed(ctx, role::admin, "Drain"); !st.ok())
    return answer_now(ctx, std::move(st));
  if (!door_.drain)
    return answer_now(ctx, grpc::StatusCode::FAILED_PRECONDITION,
                      "node " + door_.node_name
                        + " runs inside an application that offers no drain");
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.gateway,
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
  if (auto st = allowed(ctx, role::admin, "Crash"); !st.ok())
    return answer_now(ctx, std::move(st));
  if (!door_.crash_hook)
    return answer_now(ctx, grpc::StatusCode::FAILED_PRECONDITION,
                      "crash injection is disabled on node " + door_.node_name
                        + " (it is a test hook: start the node with "
                          "--test-skills)");
  auto* reactor = ctx->DefaultReactor();
  ask(
    door_, reactor, door_.gateway,
    [reactor, out](std::string& what) {
      out->set_message(std::move(what));
      reactor->Finish(grpc::Status::OK);
    },
    atom::crash::value, in->target());
  return reactor;
}

} // namespace troupe::door
