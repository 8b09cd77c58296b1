#include "actors/http/dashboard.hpp"

#include "actors/http/dashboard_assets.hpp"
#include "actors/log/logging.hpp"

#include <map>
#include <set>

namespace troupe::http {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::string_view cookie_name = "troupe_session";
/// The close code a viewer gets when its session or token is no longer
/// good: the page asks for a token again.
constexpr uint16_t close_unauthorized = 4401;

std::string message(const char* type, uint64_t seq) {
  return std::string{R"({"type":")"} + type + R"(","seq":)"
         + std::to_string(seq);
}

std::string snapshot_message(uint64_t seq, const json& state) {
  return message("snapshot", seq) + R"(,"state":)" + state.dump() + "}";
}

std::string delta_message(uint64_t seq, const json& ops) {
  return message("delta", seq) + R"(,"ops":)" + ops.dump() + "}";
}

std::string keepalive_message(uint64_t seq) {
  return message("keepalive", seq) + "}";
}

response asset_response(const dashboard_asset& a) {
  response out;
  out.content_type = std::string{a.content_type};
  out.body = std::string{a.body};
  // The page loads nothing from elsewhere and runs no inline script: a
  // name injected into the page could not run.
  out.headers = {{"Content-Security-Policy",
                  "default-src 'self'; connect-src 'self'; img-src 'self' "
                  "data:; frame-ancestors 'none'"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"},
                 {"Cache-Control", "no-cache"}};
  return out;
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

bool refused_token(const grpc::Status& st) {
  return st.error_code() == grpc::StatusCode::UNAUTHENTICATED
         || st.error_code() == grpc::StatusCode::PERMISSION_DENIED;
}

} // namespace

dashboard::dashboard(std::shared_ptr<json_api> api,
                     metrics::job_metrics_ptr jobs, dashboard_options opts)
    : api_(std::move(api)), jobs_(std::move(jobs)), opts_(std::move(opts)),
      origins_(opts_.origins, opts_.https), sessions_(opts_.session_ttl) {
  thread_ = std::thread{[this] {
    run();
  }};
}

dashboard::~dashboard() {
  stop();
}

void dashboard::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

std::optional<response> dashboard::handle(const request& req) {
  if (!origins_.allows(req.origin, req.host))
    return error_response(403, "PERMISSION_DENIED",
                          "requests from the web origin " + req.origin
                            + " are not allowed (http-origins)");
  if (req.path == "/v1/session") {
    if (req.method == "POST")
      return open_session(req);
    if (req.method == "DELETE") {
      if (auto id = cookie_value(req.cookie, cookie_name))
        sessions_.close(*id);
      response out{204, "application/json", "", {}};
      out.headers.emplace_back("Set-Cookie",
                               std::string{cookie_name}
                                 + "=; Path=/; HttpOnly; SameSite=Strict; "
                                   "Max-Age=0");
      return out;
    }
    auto out = error_response(405, "METHOD_NOT_ALLOWED",
                              "use POST or DELETE on /v1/session");
    out.headers.emplace_back("Allow", "POST, DELETE");
    return out;
  }
  if (req.method != "GET" && req.method != "HEAD")
    return std::nullopt;
  if (auto* a = find_dashboard_asset(req.path))
    return asset_response(*a);
  return std::nullopt;
}

response dashboard::open_session(const request& req) {
  // The token must be good for reading the status, which is what the
  // stream sends.
  v1::NodeStatus probe;
  auto st = api_->read_status(req.authorization, probe);
  if (!st.ok())
    return refused(st);
  auto id = sessions_.open(req.authorization, clock_type::now());
  response out{204, "application/json", "", {}};
  out.headers.emplace_back("Set-Cookie",
                           std::string{cookie_name} + "=" + id
                             + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                             + std::to_string(sessions_.ttl().count())
                             + (opts_.https ? "; Secure" : ""));
  return out;
}

std::optional<std::string>
dashboard::session_of(const request& req, std::string* authorization) const {
  auto id = cookie_value(req.cookie, cookie_name);
  if (!id)
    return std::nullopt;
  auto auth = sessions_.find(*id, clock_type::now());
  if (!auth)
    return std::nullopt;
  if (authorization != nullptr)
    *authorization = std::move(*auth);
  return std::string{*id};
}

std::optional<response> dashboard::admit(const request& req) {
  if (!origins_.allows(req.origin, req.host))
    return error_response(403, "PERMISSION_DENIED",
                          "WebSockets from the web origin " + req.origin
                            + " are not allowed (http-origins)");
  if (!session_of(req, nullptr))
    return error_response(401, "UNAUTHENTICATED",
                          "no session: POST /v1/session with the token "
                          "first (docs/api.md, \"Dashboard\")");
  std::lock_guard<std::mutex> guard{mtx_};
  if (viewers_.size() >= opts_.max_viewers)
    return error_response(503, "UNAVAILABLE",
                          std::to_string(viewers_.size())
                            + " dashboards are open, the most this node "
                              "serves at once");
  return std::nullopt;
}

void dashboard::opened(const std::shared_ptr<websocket>& ws) {
  auto v = std::make_shared<viewer>();
  v->ws = ws;
  auto id = session_of(ws->upgrade(), &v->authorization);
  if (!id) {
    ws->close(close_unauthorized, "the session ended");
    return;
  }
  v->session = std::move(*id);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    viewers_.push_back(std::move(v));
    wake_ = true;
  }
  cv_.notify_all();
}

void dashboard::closed(const std::shared_ptr<websocket>& ws) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto i = viewers_.begin(); i != viewers_.end(); ++i)
    if ((*i)->ws == ws) {
      viewers_.erase(i);
      return;
    }
}

void dashboard::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    if (viewers_.empty()) {
      cv_.wait(lock, [this] {
        return stopping_ || !viewers_.empty();
      });
      continue;
    }
    auto viewers = viewers_;
    wake_ = false;
    lock.unlock();
    tick(viewers);
    lock.lock();
    cv_.wait_for(lock, opts_.interval, [this] {
      return stopping_ || wake_;
    });
  }
}

void dashboard::tick(const std::vector<viewer_ptr>& viewers) {
  // One status call per token: the state is the node's, the same for all,
  // but each viewer's token must still be good.
  std::map<std::string, grpc::Status> checked;
  std::optional<v1::NodeStatus> status;
  for (auto& v : viewers) {
    if (checked.count(v->authorization) != 0)
      continue;
    v1::NodeStatus st;
    auto result = api_->read_status(v->authorization, st);
    if (result.ok() && !status)
      status = std::move(st);
    checked.emplace(v->authorization, result);
  }
  std::shared_ptr<const json> state;
  if (status) {
    dashboard_sample s;
    s.status = std::move(*status);
    s.at = clock_type::now();
    s.unix_ms = unix_now_ms();
    if (jobs_) {
      s.latencies = jobs_->latencies();
      s.recent = jobs_->recent().list();
    }
    auto next = view_.update(s);
    if (!state_ || *state_ != next)
      state_ = std::make_shared<const json>(std::move(next));
    state = state_;
  }
  // The operations from the previous state to this one, computed once for
  // all viewers that had the previous state.
  std::shared_ptr<const json> from;
  json ops;
  auto now = clock_type::now();
  for (auto& v : viewers) {
    auto& result = checked[v->authorization];
    if (refused_token(result)) {
      sessions_.close(v->session);
      v->ws->close(close_unauthorized, result.error_message());
      continue;
    }
    if (!state)
      continue; // the node did not answer: nothing new to say
    std::string msg;
    if (!v->last) {
      msg = snapshot_message(++v->seq, *state);
    } else if (v->last != state) {
      if (from != v->last) {
        from = v->last;
        ops = json::diff(*from, *state);
      }
      msg = delta_message(++v->seq, ops);
    } else if (now - v->last_sent >= opts_.keepalive) {
      msg = keepalive_message(v->seq);
    }
    if (msg.empty())
      continue;
    v->last = state;
    v->last_sent = now;
    if (!v->ws->send_text(msg))
      log::node().debug("dashboard: a viewer's connection failed");
  }
}

} // namespace troupe::http
