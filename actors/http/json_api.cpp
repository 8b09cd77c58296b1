#include "actors/http/json_api.hpp"

#include "actors/http/http_codes.hpp"
#include "actors/rpc/status_name.hpp"
#include "messages/wire/utf8.hpp"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <civetweb.h>

namespace troupe::http {

namespace {

namespace pb = google::protobuf;
namespace v1 = troupe::v1;

constexpr std::string_view jobs_prefix = "/v1/jobs/";

std::string json_of(const pb::Message& msg) {
  std::string out;
  pb::util::JsonPrintOptions opts;
  opts.always_print_enums_as_ints = false;
  (void)pb::util::MessageToJsonString(msg, &out, opts);
  return out;
}

/// A body that must be one message: false, with the response to give,
/// when it is not.
bool parse(const std::string& body, pb::Message& msg, response& bad) {
  pb::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  auto st = pb::util::JsonStringToMessage(body, &msg, opts);
  if (st.ok())
    return true;
  bad = error_response(400, "INVALID_ARGUMENT",
                       "the body is not a " + msg.GetTypeName()
                         + " in JSON: " + std::string{st.message()});
  return false;
}

void authorize(grpc::ClientContext& ctx, const request& req) {
  if (!req.authorization.empty())
    ctx.AddMetadata("authorization", req.authorization);
}

/// Whether gRPC takes `value` as metadata: printable ASCII only. gRPC
/// aborts the process on a call whose metadata it refuses, so no header
/// value reaches it unchecked.
bool fine_metadata(const std::string& value) {
  constexpr size_t max_bytes = 4096; // far above any bearer token
  if (value.size() > max_bytes)
    return false;
  for (unsigned char c : value)
    if (c < 0x20 || c > 0x7e)
      return false;
  return true;
}

void with_deadline(grpc::ClientContext& ctx, std::chrono::milliseconds d) {
  ctx.set_deadline(std::chrono::system_clock::now() + d);
}

/// A query parameter, percent-decoded; empty when absent.
std::string query_value(const std::string& query, const char* name) {
  std::string out(query.size() + 1, '\0');
  auto n = mg_get_var(query.data(), query.size(), name, out.data(), out.size());
  if (n < 0)
    return {};
  out.resize(static_cast<size_t>(n));
  return out;
}

/// A non-negative integer parameter; false when present but not one.
bool query_number(const std::string& query, const char* name, uint64_t& out) {
  auto text = query_value(query, name);
  if (text.empty())
    return true;
  if (text.size() > 12
      || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoull(text);
  return true;
}

bool query_flag(const std::string& query, const char* name) {
  auto v = query_value(query, name);
  return v == "1" || v == "true";
}

/// A finished job's response: its result, with the HTTP code of its status.
response of_result(const v1::JobResult& r) {
  response out;
  out.code = http_code_of(r.status());
  out.body = json_of(r);
  if (r.retry_after_ms() > 0 || out.code == 429)
    out.headers.emplace_back("Retry-After",
                             retry_after_seconds(r.retry_after_ms()));
  return out;
}

response method_not_allowed(const char* allowed) {
  auto out = error_response(405, "METHOD_NOT_ALLOWED",
                            std::string{"this path takes "} + allowed);
  out.headers.emplace_back("Allow", allowed);
  return out;
}

} // namespace

response error_response(int code, const std::string& status,
                        const std::string& message) {
  pb::Struct body;
  (*body.mutable_fields())["code"].set_number_value(code);
  (*body.mutable_fields())["status"].set_string_value(status);
  (*body.mutable_fields())["message"].set_string_value(message);
  response out;
  out.code = code;
  out.body = json_of(body);
  return out;
}

response refused(const grpc::Status& st) {
  auto out = error_response(http_code_of(st.error_code()),
                            rpc::status_name(st.error_code()),
                            st.error_message());
  if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
    out.headers.emplace_back("Retry-After", "1");
  return out;
}

json_api::json_api(const std::shared_ptr<grpc::Channel>& channel,
                   api_options opts)
    : opts_(opts), stub_(v1::Troupe::NewStub(channel)),
      health_(grpc::health::v1::Health::NewStub(channel)) {
  // nop
}

response json_api::handle(const request& req) const {
  if (!fine_metadata(req.authorization))
    return error_response(401, "UNAUTHENTICATED",
                          "the Authorization header holds bytes no token "
                          "has (or more than 4096)");
  auto& p = req.path;
  auto is = [&](const char* m) {
    return req.method == m;
  };
  if (p == "/healthz")
    return is("GET")
             ? response{200, "application/json", R"({"status":"ok"})", {}}
             : method_not_allowed("GET");
  if (p == "/readyz")
    return is("GET") ? ready(req) : method_not_allowed("GET");
  if (p == "/v1/jobs")
    return is("POST") ? submit(req) : method_not_allowed("POST");
  if (p == "/v1/jobs:batch")
    return is("POST") ? submit_batch(req) : method_not_allowed("POST");
  if (p.size() > jobs_prefix.size()
      && p.compare(0, jobs_prefix.size(), jobs_prefix) == 0) {
    auto id = p.substr(jobs_prefix.size());
    // The API's ids are text: bytes that are not UTF-8 name no job (and
    // would not even make a request of the API).
    if (!utf8::valid(id))
      return error_response(404, "NOT_FOUND", "no job has this id");
    if (is("GET"))
      return get_result(req, id);
    if (is("DELETE"))
      return cancel(req, id);
    return method_not_allowed("GET, DELETE");
  }
  if (p == "/v1/skills")
    return is("GET") ? list_skills(req) : method_not_allowed("GET");
  if (p == "/v1/status")
    return is("GET") ? get_status(req) : method_not_allowed("GET");
  return error_response(404, "NOT_FOUND", "no such path: " + p);
}

grpc::Status json_api::read_status(const std::string& authorization,
                                   v1::NodeStatus& out) const {
  if (!fine_metadata(authorization))
    return {grpc::StatusCode::UNAUTHENTICATED,
            "the Authorization header holds bytes no token has"};
  grpc::ClientContext ctx;
  with_deadline(ctx, opts_.query_timeout);
  if (!authorization.empty())
    ctx.AddMetadata("authorization", authorization);
  return stub_->GetStatus(&ctx, v1::GetStatusRequest{}, &out);
}

response json_api::submit(const request& req) const {
  v1::Job job;
  response bad;
  if (!parse(req.body, job, bad))
    return bad;
  grpc::ClientContext ctx;
  authorize(ctx, req);
  if (query_flag(req.query, "detach")) {
    v1::JobTicket ticket;
    auto st = stub_->SubmitDetached(&ctx, job, &ticket);
    if (!st.ok())
      return refused(st);
    response out;
    out.code = 202;
    out.body = json_of(ticket);
    out.headers.emplace_back("Location", "/v1/jobs/" + ticket.id());
    return out;
  }
  v1::JobResult result;
  auto st = stub_->Submit(&ctx, job, &result);
  if (!st.ok())
    return refused(st);
  auto out = of_result(result);
  // A draining node refuses new jobs as OVERLOADED; over HTTP that is the
  // service going away (503), not a client sending too much (429).
  if (result.status() == v1::JobStatus::OVERLOADED && !serving())
    out.code = 503;
  return out;
}

response json_api::submit_batch(const request& req) const {
  v1::JobBatch batch;
  response bad;
  if (!parse(req.body, batch, bad))
    return bad;
  auto n = static_cast<size_t>(batch.jobs_size());
  if (n > opts_.max_batch_jobs)
    return error_response(400, "INVALID_ARGUMENT",
                          std::to_string(n) + " jobs in one batch; at most "
                            + std::to_string(opts_.max_batch_jobs));
  if (batch.cancel_size() > 0)
    return error_response(400, "INVALID_ARGUMENT",
                          "a batch over HTTP cancels nothing: DELETE "
                          "/v1/jobs/{id} cancels a detached job");
  v1::ResultBatch out;
  if (n == 0)
    return response{200, "application/json", json_of(out), {}};
  // The stream numbers the jobs itself; each result gets its job's own
  // ref back, in the order of the jobs.
  std::vector<uint64_t> refs;
  refs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    refs.push_back(batch.jobs(static_cast<int>(i)).ref());
    batch.mutable_jobs(static_cast<int>(i))->set_ref(i + 1);
  }
  std::vector<v1::JobResult> results(n);
  std::vector<bool> got(n, false);
  size_t left = n;
  grpc::ClientContext ctx;
  authorize(ctx, req);
  auto stream = stub_->Run(&ctx);
  if (stream->Write(batch))
    stream->WritesDone();
  v1::ResultBatch in;
  while (left > 0 && stream->Read(&in))
    for (auto& r : *in.mutable_results()) {
      auto i = r.ref() - 1;
      if (i >= n || got[i])
        continue;
      got[i] = true;
      --left;
      r.set_ref(refs[i]);
      results[i] = std::move(r);
    }
  if (left > 0) {
    auto st = stream->Finish();
    if (!st.ok())
      return refused(st);
    return error_response(500, "INTERNAL",
                          std::to_string(left)
                            + " of the batch's jobs got no "
                              "result");
  }
  ctx.TryCancel();
  stream->Finish();
  for (auto& r : results)
    *out.add_results() = std::move(r);
  return response{200, "application/json", json_of(out), {}};
}

response json_api::get_result(const request& req, const std::string& id) const {
  v1::GetResultRequest get;
  get.set_id(id);
  uint64_t wait_ms = 0;
  if (!query_number(req.query, "wait_ms", wait_ms))
    return error_response(400, "INVALID_ARGUMENT",
                          "wait_ms must be a number of milliseconds");
  get.set_wait_ms(wait_ms);
  return unary<v1::JobState>(req, &v1::Troupe::Stub::GetResult, get,
                             std::chrono::milliseconds(wait_ms));
}

response json_api::cancel(const request& req, const std::string& id) const {
  v1::CancelRequest cancel;
  cancel.add_ids(id);
  return unary<v1::CancelReply>(req, &v1::Troupe::Stub::Cancel, cancel);
}

response json_api::list_skills(const request& req) const {
  return unary<v1::SkillList>(req, &v1::Troupe::Stub::ListSkills,
                              v1::ListSkillsRequest{});
}

response json_api::get_status(const request& req) const {
  return unary<v1::NodeStatus>(req, &v1::Troupe::Stub::GetStatus,
                               v1::GetStatusRequest{});
}

template <class Reply, class Request>
response
json_api::unary(const request& req,
                grpc::Status (v1::Troupe::Stub::*call)(grpc::ClientContext*,
                                                       const Request&, Reply*),
                const Request& msg, std::chrono::milliseconds extra) const {
  grpc::ClientContext ctx;
  authorize(ctx, req);
  with_deadline(ctx, opts_.query_timeout + extra);
  Reply reply;
  auto st = ((*stub_).*call)(&ctx, msg, &reply);
  if (!st.ok())
    return refused(st);
  return response{200, "application/json", json_of(reply), {}};
}

/// The health service's answer, or why there is none.
std::optional<bool> json_api::health_serving(std::string& why) const {
  grpc::ClientContext ctx;
  with_deadline(ctx, opts_.query_timeout);
  grpc::health::v1::HealthCheckResponse health;
  auto st = health_->Check(&ctx, grpc::health::v1::HealthCheckRequest{},
                           &health);
  if (!st.ok()) {
    why = st.error_message();
    return std::nullopt;
  }
  return health.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

bool json_api::serving() const {
  std::string why;
  return health_serving(why).value_or(false);
}

response json_api::ready(const request&) const {
  // Probes carry no token: the health service needs none. A node that
  // joins a cluster opens its HTTP port once it joined.
  std::string why;
  auto serving = health_serving(why);
  if (!serving)
    return error_response(503, "UNAVAILABLE",
                          "the node does not answer: " + why);
  if (!*serving)
    return error_response(503, "UNAVAILABLE", "the node is draining");
  return response{200, "application/json", R"({"status":"ready"})", {}};
}

} // namespace troupe::http
