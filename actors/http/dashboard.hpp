#pragma once

#include "actors/http/dashboard_view.hpp"
#include "actors/http/json_api.hpp"
#include "actors/http/origin_policy.hpp"
#include "actors/http/session_table.hpp"
#include "actors/http/websocket.hpp"
#include "actors/metrics/job_metrics.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace troupe::http {

/// How the dashboard samples and streams.
struct dashboard_options {
  /// How often the node is sampled while someone watches.
  std::chrono::milliseconds interval{500};
  /// A stream that had nothing to send for this long gets a keepalive.
  std::chrono::milliseconds keepalive{15'000};
  std::chrono::seconds session_ttl{3600};
  /// WebSockets open at once (each holds one of the HTTP server's threads).
  size_t max_viewers = 16;
  /// Origins allowed besides the node's own (`origin_policy`).
  std::vector<std::string> origins;
  /// The page is served over HTTPS (its own origin is https://).
  bool https = false;
};

/// The live dashboard at `/` (docs/api.md, "Dashboard"): the page and its
/// assets, compiled into the binary; `POST /v1/session`, which trades a
/// bearer token for a session cookie; and the WebSocket `/v1/dashboard`,
/// which sends a viewer the state of the cluster (`dashboard_view`) once,
/// then only what changed, as JSON Patch operations. While nobody watches,
/// it samples nothing.
class dashboard : public websocket_endpoint {
 public:
  dashboard(std::shared_ptr<json_api> api, metrics::job_metrics_ptr jobs,
            dashboard_options opts);

  /// Stops the sampling thread.
  ~dashboard() override;

  /// Answers the dashboard's paths, and refuses a request of any path
  /// whose Origin is not allowed; nothing for the rest.
  std::optional<response> handle(const request& req);

  std::optional<response> admit(const request& req) override;
  void opened(const std::shared_ptr<websocket>& ws) override;
  void closed(const std::shared_ptr<websocket>& ws) override;

  /// Stops streaming (the HTTP server stops after); idempotent.
  void stop();

 private:
  struct viewer {
    std::shared_ptr<websocket> ws;
    std::string session;
    std::string authorization;
    /// Touched by the sampling thread only.
    uint64_t seq = 0;
    std::shared_ptr<const nlohmann::json> last;
    std::chrono::steady_clock::time_point last_sent;
  };
  using viewer_ptr = std::shared_ptr<viewer>;

  response open_session(const request& req);
  void run();
  void tick(const std::vector<viewer_ptr>& viewers);
  /// The session id of a request's cookie, when it names a live session.
  std::optional<std::string> session_of(const request& req,
                                        std::string* authorization) const;

  std::shared_ptr<json_api> api_;
  metrics::job_metrics_ptr jobs_;
  dashboard_options opts_;
  origin_policy origins_;
  session_table sessions_;
  dashboard_view view_;
  std::shared_ptr<const nlohmann::json> state_;

  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<viewer_ptr> viewers_;
  bool wake_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace troupe::http
