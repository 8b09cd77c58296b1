#include "actors/http/session_table.hpp"

#include <sys/random.h>

#include <array>
#include <stdexcept>

namespace troupe::http {

session_table::session_table(std::chrono::seconds ttl, size_t max_sessions)
    : ttl_(ttl), max_sessions_(max_sessions == 0 ? 1 : max_sessions) {
  // nop
}

std::string session_table::open(std::string authorization,
                                clock::time_point now) {
  std::array<unsigned char, 32> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    auto n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0)
      throw std::runtime_error("no random bytes for a session id");
    got += static_cast<size_t>(n);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string id;
  id.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    id.push_back(hex[b >> 4]);
    id.push_back(hex[b & 0x0f]);
  }
  std::lock_guard<std::mutex> guard{mtx_};
  // Expired sessions, then the oldest, make room.
  while (!order_.empty()
         && (sessions_.size() >= max_sessions_
             || sessions_.count(order_.front()) == 0
             || sessions_[order_.front()].expires <= now)) {
    sessions_.erase(order_.front());
    order_.pop_front();
  }
  sessions_[id] = entry{std::move(authorization), now + ttl_};
  order_.push_back(id);
  return id;
}

std::optional<std::string> session_table::find(std::string_view id,
                                               clock::time_point now) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(std::string{id});
  if (i == sessions_.end() || i->second.expires <= now)
    return std::nullopt;
  return i->second.authorization;
}

void session_table::close(std::string_view id) {
  std::lock_guard<std::mutex> guard{mtx_};
  sessions_.erase(std::string{id});
}

size_t session_table::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_.size();
}

std::optional<std::string_view> cookie_value(std::string_view header,
                                             std::string_view name) {
  // "a=1; b=2": pairs separated by ';' and optional spaces (RFC 6265).
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{}
                                           : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name)
      continue;
    auto value = pair.substr(eq + 1);
    while (!value.empty() && value.back() == ' ')
      value.remove_suffix(1);
    return value;
  }
  return std::nullopt;
}

} // namespace troupe::http
