#pragma once

#include <cstdint>

namespace troupe::test {

/// A TCP socket on 127.0.0.1 that listens but never reads or writes: the
/// kernel completes every connection into its backlog, so a client's
/// connect succeeds and then nothing ever answers (a hung or foreign
/// service). Closed when this object goes away.
class silent_listener {
 public:
  silent_listener();
  ~silent_listener();

  silent_listener(const silent_listener&) = delete;
  silent_listener& operator=(const silent_listener&) = delete;

  /// 0 if the socket could not be set up.
  uint16_t port() const {
    return port_;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

} // namespace troupe::test
