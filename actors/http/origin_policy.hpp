#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace troupe::http {

/// Which web origins may use the node's HTTP port from a browser. Browsers
/// send an Origin header with every WebSocket and every POST or DELETE, so
/// a page of another site can neither watch the dashboard nor submit jobs
/// with the visitor's cookie or reach of the node. Requests without an
/// Origin do not come from a page's script and pass (they still need
/// their token).
class origin_policy {
 public:
  /// The node's own origin (the one its page was loaded from: `https` when
  /// the port speaks TLS) and those `allowed`, such as
  /// "https://ops.example.com".
  explicit origin_policy(std::vector<std::string> allowed = {},
                         bool https = false);

  /// Whether a request with these Origin and Host headers may go on.
  bool allows(std::string_view origin, std::string_view host) const;

 private:
  std::vector<std::string> allowed_;
  /// The node's own origin is https:// (else http://).
  bool https_;
};

} // namespace troupe::http
