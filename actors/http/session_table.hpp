#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace troupe::http {

/// The dashboard's sessions. Browsers cannot put an Authorization header on
/// a WebSocket, so the page exchanges its bearer token for a random session
/// id, which the node sets as an HttpOnly cookie; the WebSocket sends the
/// cookie. A session ends after its time to live, or when the oldest
/// session makes room at the cap. Thread-safe.
class session_table {
 public:
  using clock = std::chrono::steady_clock;

  explicit session_table(std::chrono::seconds ttl = std::chrono::hours{1},
                         size_t max_sessions = 4096);

  /// A new session for `authorization` (the Authorization header it was
  /// opened with; empty on a node without tokens): its id, 64 hex digits
  /// from the kernel's random source.
  std::string open(std::string authorization, clock::time_point now);

  /// The Authorization of the live session `id`.
  std::optional<std::string> find(std::string_view id,
                                  clock::time_point now) const;

  /// Ends session `id` (logout, or its token was refused).
  void close(std::string_view id);

  std::chrono::seconds ttl() const {
    return ttl_;
  }

  size_t size() const;

 private:
  struct entry {
    std::string authorization;
    clock::time_point expires;
  };

  std::chrono::seconds ttl_;
  size_t max_sessions_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, entry> sessions_;
  /// Ids in the order they were opened (some may be closed already).
  std::deque<std::string> order_;
};

/// The value of cookie `name` in a Cookie header; nothing when absent.
std::optional<std::string_view> cookie_value(std::string_view header,
                                             std::string_view name);

} // namespace troupe::http
