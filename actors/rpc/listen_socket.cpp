#include "actors/rpc/listen_socket.hpp"

#include "messages/errors.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace troupe::rpc {

caf::expected<listen_socket> listen_on(const std::string& host, uint16_t port,
                                       int backlog) {
  auto where = host + ":" + std::to_string(port);
  auto cannot = [&where](const std::string& why) {
    return caf::make_error(error_code::port_in_use,
                           "cannot listen on " + where + ": " + why);
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0
      || found == nullptr)
    return cannot("the address does not resolve");
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  auto ok = fd >= 0
            && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))
                 == 0
            && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0
            && ::listen(fd, backlog) == 0;
  auto err = errno;
  ::freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0)
      ::close(fd);
    return cannot(err == EADDRINUSE ? "the port is in use"
                                    : std::string{std::strerror(err)});
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  listen_socket out;
  out.fd = fd;
  out.port = ntohs(addr.ss_family == AF_INET6
                     ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return out;
}

} // namespace troupe::rpc
