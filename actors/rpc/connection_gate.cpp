#include "actors/rpc/connection_gate.hpp"

#include "actors/log/logging.hpp"
#include "actors/rpc/listen_socket.hpp"
#include "messages/errors.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace troupe::rpc {

namespace {

caf::error cannot_listen(const std::string& where, const std::string& why) {
  return caf::make_error(error_code::port_in_use,
                         "cannot listen on " + where + ": " + why);
}

// The highest descriptor a connection may take: descriptors are handed
// out lowest first, so the number of a new one tells how many are in use.
// Read at every connection, since the limit may change while the node
// runs.
size_t fd_ceiling(size_t reserved) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 1024 - std::min<size_t>(reserved, 512);
  auto soft = lim.rlim_cur == RLIM_INFINITY ? size_t{1} << 20
                                            : static_cast<size_t>(lim.rlim_cur);
  return soft > 2 * reserved ? soft - reserved : soft / 2;
}

uint64_t inode_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return 0;
  return static_cast<uint64_t>(st.st_ino);
}

} // namespace

caf::expected<std::unique_ptr<connection_gate>>
connection_gate::listen(const std::string& host, uint16_t port,
                        size_t max_connections, size_t reserved_fds,
                        std::string what) {
  auto where = host + ":" + std::to_string(port);
  auto sock = listen_on(host, port, 1024);
  if (!sock)
    return std::move(sock.error());
  std::unique_ptr<connection_gate> out{new connection_gate};
  out->port_ = sock->port;
  auto fd = sock->fd;
  out->listen_fd_ = fd;
  if (::pipe2(out->wake_, O_CLOEXEC) != 0)
    return cannot_listen(where, "no pipe for the listener");
  out->max_connections_ = max_connections;
  out->reserved_fds_ = reserved_fds;
  out->what_ = std::move(what);
  return out;
}

connection_gate::~connection_gate() {
  stop();
  for (int fd : wake_)
    if (fd >= 0)
      ::close(fd);
}

void connection_gate::start(
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor) {
  acceptor_ = std::move(acceptor);
  thread_ = std::thread{[this] {
    run();
  }};
}

void connection_gate::stop() {
  if (thread_.joinable()) {
    char x = 0;
    static_cast<void>(::write(wake_[1], &x, 1));
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

bool connection_gate::room_for_one() {
  if (open_.size() < max_connections_)
    return true;
  open_.erase(std::remove_if(open_.begin(), open_.end(),
                             [](const std::pair<int, uint64_t>& c) {
                               return inode_of(c.first) != c.second;
                             }),
              open_.end());
  return open_.size() < max_connections_;
}

void connection_gate::run() {
  pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
  for (;;) {
    // While descriptors ran out, look again a little later instead of
    // spinning on a connection that cannot be accepted yet.
    auto r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (fds[1].revents != 0)
      return;
    if ((fds[0].revents & POLLIN) == 0)
      continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr,
                       SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
          || errno == ENOMEM) {
        ++refused_;
        accepting_ = false;
        pollfd wake{wake_[0], POLLIN, 0};
        if (::poll(&wake, 1, 100) > 0)
          return;
      }
      continue;
    }
    accepting_ = true;
    auto ceiling = fd_ceiling(reserved_fds_);
    if (static_cast<size_t>(fd) >= ceiling || !room_for_one()) {
      ::close(fd);
      if (refused_++ % 1000 == 0)
        log::node().warn("{}: refused a connection: {} open, limit {} "
                         "(descriptor {} of at most {})",
                         what_, open_.size(), max_connections_, fd, ceiling);
      continue;
    }
    // What gRPC's own listener sets on a connection: no Nagle delay (a
    // small reply would wait for the peer's delayed ACK, ~40 ms).
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    open_.emplace_back(fd, inode_of(fd));
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
    p.listener_fd = listen_fd_;
    p.fd = fd;
    acceptor_->HandleNewConnection(&p);
  }
}

} // namespace troupe::rpc
