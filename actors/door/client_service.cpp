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

/// Hands every call of one method of `service` on `queue` to `handle`.
template <class Request, class Reply, class Method, class Handle>
void serve(v1::Troupe::AsyncService& service, rpc::call_queue& queue,
           Method method, Handle handle) {
  unary_call<Request, Reply>::listen(
    queue,
    [&service, method](grpc::ServerContext* ctx, Request* in,
                       grpc::ServerAsyncResponseWriter<Reply>* out,
                       grpc::ServerCompletionQueue* q, void* tag) {
      (service.*method)(ctx, in, out, q, q, tag);
    },
    std::move(handle));
}

} // namespace

client_service::client_service(door_context door,
                               v1::Troupe::AsyncService& service)
    : door_(std::move(door)), service_(service) {
  // nop
}

void client_service::listen(rpc::call_queue& queue) {
  using svc = v1::Troupe::AsyncService;
  queue_ = &queue;
  auto& q = queue;
  auto& s = service_;
  serve<v1::Job, v1::JobResult>(s, q, &svc::RequestSubmit, [this](auto& c) {
    submit(c);
  });
  serve<v1::Job, v1::JobTicket>(s, q, &svc::RequestSubmitDetached,
                                [this](auto& c) {
                                  submit_detached(c);
                                });
  serve<v1::GetResultRequest, v1::JobState>(s, q, &svc::RequestGetResult,
                                            [this](auto& c) {
                                              get_result(c);
                                            });
  serve<v1::CancelRequest, v1::CancelReply>(s, q, &svc::RequestCancel,
                                            [this](auto& c) {
                                              cancel(c);
                                            });
  serve<v1::ListSkillsRequest, v1::SkillList>(s, q, &svc::RequestListSkills,
                                              [this](auto& c) {
                                                list_skills(c);
                                              });
  serve<v1::GetStatusRequest, v1::NodeStatus>(s, q, &svc::RequestGetStatus,
                                              [this](auto& c) {
                                                get_status(c);
                                              });
  serve<v1::BreakerRequest, v1::BreakerStatus>(s, q, &svc::RequestBreaker,
                                               [this](auto& c) {
                                                 breaker(c);
                                               });
  serve<v1::DrainRequest, v1::DrainReply>(s, q, &svc::RequestDrain,
                                          [this](auto& c) {
                                            drain(c);
                                          });
  serve<v1::CrashRequest, v1::CrashReply>(s, q, &svc::RequestCrash,
                                          [this](auto& c) {
                                            crash(c);
                                          });
  job_stream::listen(s, q, door_);
  status_watch::listen(s, q, door_);
}

grpc::Status client_service::allowed(const grpc::ServerContextBase& ctx,
                                     role needed, const char* call) const {
  caller who;
  return door_.access->authorize(ctx, needed, call, who);
}

void client_service::submit(const submit_call::ptr& call) {
  auto& ctx = call->ctx();
  const auto& in = call->request();
  caller who;
  if (auto st = door_.access->authorize(ctx, role::submit, "Submit", who);
      !st.ok())
    return call->finish(st);
  if (auto a = door_.access->admit(who, 1); !a.admitted())
    return call->finish(access::refusal(ctx, a));
  if (in.idempotency_key().empty())
    return run_single_job(call, door_, who);
  // A key: the job runs once, kept like a detached job, and every retry
  // with the key gets its result.
  result_keeper::ticket t;
  if (auto why = start_detached(who, in, true, ctx, t); !why.empty())
    return call->finish({grpc::StatusCode::INVALID_ARGUMENT, std::move(why)});
  if (t.full)
    return call->finish(keeper_full());
  auto id = t.id;
  auto wait = result_wait::start(
    door_.keeper, owner_of(who), id, time_left(ctx), queue_->get(),
    [call, id](const v1::JobResult* r) {
      if (r == nullptr)
        return call->finish(
          {grpc::StatusCode::DEADLINE_EXCEEDED,
           "job " + id
             + " did not end before the call's deadline; it goes on: fetch "
               "its result with GetResult"});
      call->reply() = *r;
      call->finish(grpc::Status::OK);
    });
  if (wait == nullptr)
    return call->finish(no_such_job(id));
  call->on_over([wait](bool) {
    wait->stop();
  });
}

std::string client_service::start_detached(const caller& who, const v1::Job& in,
                                           bool call_deadline,
                                           const grpc::ServerContextBase& ctx,
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
    apply_call_deadline(j, time_left(ctx));
  caf::anon_send(door_.gateway, atom::submit::value,
                 std::vector<job>{std::move(j)}, door_.keeper->port());
  return {};
}

void client_service::submit_detached(const detached_call::ptr& call) {
  auto& ctx = call->ctx();
  const auto& in = call->request();
  caller who;
  if (auto st = door_.access->authorize(ctx, role::submit, "SubmitDetached",
                                        who);
      !st.ok())
    return call->finish(st);
  if (auto a = door_.access->admit(who, 1); !a.admitted())
    return call->finish(access::refusal(ctx, a));
  result_keeper::ticket t;
  if (auto why = start_detached(who, in, false, ctx, t); !why.empty())
    return call->finish({grpc::StatusCode::INVALID_ARGUMENT, std::move(why)});
  if (t.full)
    return call->finish(keeper_full());
  auto& out = call->reply();
  out.set_id(t.id);
  out.set_tag(in.tag());
  out.set_existing(t.existing);
  call->finish(grpc::Status::OK);
}

void client_service::get_result(const get_result_call::ptr& call) {
  auto& ctx = call->ctx();
  const auto& in = call->request();
  caller who;
  if (auto st = door_.access->authorize(ctx, role::submit, "GetResult", who);
      !st.ok())
    return call->finish(st);
  auto wait = std::min<caf::timespan>(
    std::chrono::duration_cast<caf::timespan>(std::chrono::milliseconds{
      std::min<uint64_t>(in.wait_ms(), uint64_t{1} << 40)}),
    time_left(ctx));
  const auto& id = in.id();
  if (door_.keeper->holds(id)) {
    auto w = result_wait::start(door_.keeper, owner_of(who), id, wait,
                                queue_->get(), [call](const v1::JobResult* r) {
                                  auto& out = call->reply();
                                  out.set_id(call->request().id());
                                  out.set_done(r != nullptr);
                                  if (r != nullptr)
                                    *out.mutable_result() = *r;
                                  call->finish(grpc::Status::OK);
                                });
    if (w == nullptr)
      return call->finish(no_such_job(id));
    call->on_over([w](bool) {
      w->stop();
    });
    return;
  }
  // Another member's job (or one of an earlier run of this node): the
  // gateway asks whoever holds it.
  ask_within(
    door_, call, wait + door_.limits.query_timeout, door_.gateway,
    [call](int32_t state, std::string& result) {
      call->finish(answer_detached(call->request().id(),
                                   static_cast<detached_state>(state), result,
                                   call->reply()));
    },
    atom::get::value, owner_of(who), id, wait);
}

void client_service::cancel(const cancel_call::ptr& call) {
  caller who;
  if (auto st = door_.access->authorize(call->ctx(), role::submit, "Cancel",
                                        who);
      !st.ok())
    return call->finish(st);
  std::vector<std::string> ids;
  std::vector<std::string> elsewhere;
  for (auto& id : call->request().ids())
    (door_.keeper->holds(id) ? ids : elsewhere).push_back(id);
  auto numbers = door_.keeper->pending(owner_of(who), ids);
  auto here = static_cast<uint32_t>(numbers.size());
  if (!numbers.empty())
    caf::anon_send(door_.gateway, atom::cancel::value, std::move(numbers),
                   door_.keeper->port());
  if (elsewhere.empty()) {
    call->reply().set_cancelled(here);
    return call->finish(grpc::Status::OK);
  }
  // Jobs of other members: their gateways cancel them.
  ask(
    door_, call, door_.gateway,
    [call, here](uint32_t there) {
      call->reply().set_cancelled(here + there);
      call->finish(grpc::Status::OK);
    },
    atom::cancel::value, owner_of(who), std::move(elsewhere));
}

void client_service::list_skills(const skills_call::ptr& call) {
  if (auto st = allowed(call->ctx(), role::submit, "ListSkills"); !st.ok())
    return call->finish(st);
  ask(
    door_, call, door_.router,
    [call](skill_list& x) {
      wire::api::to_proto(x, call->reply());
      call->finish(grpc::Status::OK);
    },
    atom::skills::value);
}

void client_service::get_status(const status_call::ptr& call) {
  if (auto st = allowed(call->ctx(), role::submit, "GetStatus"); !st.ok())
    return call->finish(st);
  ask(
    door_, call, door_.gateway,
    [call, address = door_.address,
     cluster = door_.cluster_address](node_status& x) {
      auto& out = call->reply();
      wire::api::to_proto(x, out);
      out.set_address(address);
      out.set_cluster_address(cluster);
      call->finish(grpc::Status::OK);
    },
    atom::status::value);
}

void client_service::breaker(const breaker_call::ptr& call) {
  const auto& in = call->request();
  // Looking is for everyone who may submit; commands are for operators.
  auto needed = in.action() == v1::BreakerRequest::SHOW ? role::submit
                                                        : role::operate;
  if (auto st = allowed(call->ctx(), needed, "Breaker"); !st.ok())
    return call->finish(st);
  if (in.skill().empty())
    return call->finish({grpc::StatusCode::INVALID_ARGUMENT,
                         "the breaker command names no skill"});
  ask(
    door_, call, door_.router,
    [call](breaker_status& x) {
      wire::api::to_proto(x, call->reply());
      call->finish(grpc::Status::OK);
    },
    atom::breaker::value, in.skill(), wire::api::from_proto(in.action()));
}

void client_service::drain(const drain_call::ptr& call) {
  if (auto st = allowed(call->ctx(), role::admin, "Drain"); !st.ok())
    return call->finish(st);
  if (!door_.drain)
    return call->finish({grpc::StatusCode::FAILED_PRECONDITION,
                         "node " + door_.node_name
                           + " runs inside an application that offers no "
                             "drain"});
  ask(
    door_, call, door_.gateway,
    [call, node = door_.node_name, start = door_.drain](node_status& x) {
      auto& out = call->reply();
      out.set_in_flight(x.in_flight);
      out.set_message("node " + node
                      + " is draining: it left its cluster, refuses new "
                        "jobs and exits once the jobs in flight finished");
      start();
      call->finish(grpc::Status::OK);
    },
    atom::status::value);
}

void client_service::crash(const crash_call::ptr& call) {
  if (auto st = allowed(call->ctx(), role::admin, "Crash"); !st.ok())
    return call->finish(st);
  if (!door_.crash_hook)
    return call->finish({grpc::StatusCode::FAILED_PRECONDITION,
                         "crash injection is disabled on node "
                           + door_.node_name
                           + " (it is a test hook: start the node with "
                             "--test-skills)"});
  ask(
    door_, call, door_.gateway,
    [call](std::string& what) {
      call->reply().set_message(std::move(what));
      call->finish(grpc::Status::OK);
    },
    atom::crash::value, call->request().target());
}

} // namespace troupe::door
