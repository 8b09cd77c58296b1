#include "actors/http/tls_front.hpp"

#include "actors/log/logging.hpp"
#include "actors/rpc/listen_socket.hpp"
#include "messages/errors.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

namespace troupe::http {

namespace {

using clock_type = std::chrono::steady_clock;

caf::error tls_error(const std::string& what) {
  auto code = ERR_get_error();
  char buf[256] = {0};
  if (code != 0)
    ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return caf::make_error(error_code::invalid_config,
                         "HTTPS: " + what + (buf[0] != 0 ? ": " : "") + buf);
}

// A TLS context from PEM text: the certificate and its chain, the key, and
// when given the CA whose client certificates are asked for.
caf::expected<SSL_CTX*> make_context(const rpc::tls_material& tls) {
  auto* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr)
    return tls_error("no TLS context");
  auto fail = [ctx](const std::string& what) {
    auto err = tls_error(what);
    SSL_CTX_free(ctx);
    return err;
  };
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Writes of a moving buffer, in parts: the connection's buffer of bytes
  // to encrypt shrinks and grows between tries.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                          | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  auto* certs = BIO_new_mem_buf(tls.cert.data(),
                                static_cast<int>(tls.cert.size()));
  auto* leaf = PEM_read_bio_X509_AUX(certs, nullptr, nullptr, nullptr);
  auto ok = leaf != nullptr && SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  while (ok) {
    auto* extra = PEM_read_bio_X509(certs, nullptr, nullptr, nullptr);
    if (extra == nullptr)
      break;
    if (SSL_CTX_add_extra_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      ok = false;
    }
  }
  BIO_free(certs);
  ERR_clear_error(); // the end of the chain reads as an error
  if (!ok)
    return fail("the certificate (--tls-cert) is not usable");
  auto* keys = BIO_new_mem_buf(tls.key.data(),
                               static_cast<int>(tls.key.size()));
  auto* key = PEM_read_bio_PrivateKey(keys, nullptr, nullptr, nullptr);
  BIO_free(keys);
  ok = key != nullptr && SSL_CTX_use_PrivateKey(ctx, key) == 1
       && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  if (!ok)
    return fail("the key (--tls-key) does not go with the certificate");
  if (!tls.ca.empty()) {
    auto* cas = BIO_new_mem_buf(tls.ca.data(), static_cast<int>(tls.ca.size()));
    auto* store = SSL_CTX_get_cert_store(ctx);
    size_t n = 0;
    while (auto* ca = PEM_read_bio_X509(cas, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, ca);
      X509_free(ca);
      ++n;
    }
    BIO_free(cas);
    ERR_clear_error();
    if (n == 0)
      return fail("the client CA (--tls-ca) holds no certificate");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  return ctx;
}

void nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int remaining_ms(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - clock_type::now())
                .count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on `fd` or the stop pipe until `deadline`: false on
// stop or timeout.
bool wait_for(int fd, short events, int stop_fd,
              clock_type::time_point deadline) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    auto n = ::poll(fds, 2, remaining_ms(deadline));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || fds[1].revents != 0)
      return false;
    return true;
  }
}

int connect_backend(uint16_t port) {
  auto fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  nonblocking(fd);
  return fd;
}

} // namespace

tls_front::tls_front(tls_front_limits limits, uint16_t backend_port)
    : limits_(limits), backend_port_(backend_port) {
  // nop
}

caf::expected<std::unique_ptr<tls_front>>
tls_front::start(const std::string& host, uint16_t port,
                 const rpc::tls_material& tls, uint16_t backend_port,
                 tls_front_limits limits) {
  std::unique_ptr<tls_front> out{new tls_front(limits, backend_port)};
  auto ctx = make_context(tls);
  if (!ctx)
    return std::move(ctx.error());
  out->ctx_ = *ctx;
  auto sock = rpc::listen_on(host, port, 128);
  if (!sock)
    return std::move(sock.error());
  out->listener_ = sock->fd;
  out->port_ = sock->port;
  if (::pipe2(out->stop_pipe_, O_CLOEXEC) != 0)
    return caf::make_error(error_code::invalid_config,
                           "cannot serve HTTPS: no pipe");
  out->threads_ = 1;
  std::thread{[self = out.get()] {
    self->accept_loop();
  }}.detach();
  return out;
}

tls_front::~tls_front() {
  stop();
}

void tls_front::stop() {
  {
    std::unique_lock<std::mutex> lock{mtx_};
    if (stopped_)
      return;
    stopped_ = true;
    if (stop_pipe_[1] >= 0) {
      char x = 1;
      (void)!::write(stop_pipe_[1], &x, 1);
    }
    cv_.wait(lock, [this] {
      return threads_ == 0;
    });
  }
  for (auto fd : {listener_, stop_pipe_[0], stop_pipe_[1]})
    if (fd >= 0)
      ::close(fd);
  if (ctx_ != nullptr)
    SSL_CTX_free(ctx_);
  ctx_ = nullptr;
}

void tls_front::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    auto n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || fds[1].revents != 0)
      break;
    auto fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors, the connection stays queued and the listener
      // readable: pause rather than spin, then try again.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
          || errno == ENOMEM) {
        pollfd stop{stop_pipe_[0], POLLIN, 0};
        if (::poll(&stop, 1, 100) > 0)
          break;
      }
      continue; // or the peer left: the next one
    }
    std::lock_guard<std::mutex> guard{mtx_};
    if (connections_ >= limits_.max_connections) {
      ::close(fd);
      continue;
    }
    ++connections_;
    ++threads_;
    std::thread{[this, fd] {
      serve(fd);
      ::close(fd);
      std::lock_guard<std::mutex> guard{mtx_};
      --connections_;
      if (--threads_ == 0)
        cv_.notify_all();
    }}.detach();
  }
  std::lock_guard<std::mutex> guard{mtx_};
  if (--threads_ == 0)
    cv_.notify_all();
}

void tls_front::serve(int fd) {
  nonblocking(fd);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::unique_ptr<SSL, void (*)(SSL*)> ssl{SSL_new(ctx_), SSL_free};
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1)
    return;
  auto stop_fd = stop_pipe_[0];
  auto deadline = clock_type::now() + limits_.handshake_timeout;
  for (;;) {
    auto r = SSL_accept(ssl.get());
    if (r == 1)
      break;
    auto err = SSL_get_error(ssl.get(), r);
    short events = err == SSL_ERROR_WANT_READ    ? POLLIN
                   : err == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                 : 0;
    if (events == 0 || !wait_for(fd, events, stop_fd, deadline)) {
      // Not TLS, a certificate refused, or too slow: nothing more to say.
      ERR_clear_error();
      return;
    }
  }
  auto backend = connect_backend(backend_port_);
  if (backend < 0) {
    log::node().warn("HTTPS: the HTTP server on 127.0.0.1:{} does not "
                     "answer",
                     backend_port_);
    return;
  }
  std::string to_plain; // decrypted, for the HTTP server
  std::string to_tls;   // the HTTP server's answer, to encrypt
  bool tls_wants_write = false;
  bool backend_done = false;
  char buf[16 * 1024];
  auto idle_until = clock_type::now() + limits_.idle_timeout;
  for (;;) {
    bool progress = false;
    tls_wants_write = false;
    if (to_plain.empty()) {
      auto r = SSL_read(ssl.get(), buf, sizeof(buf));
      if (r > 0) {
        to_plain.append(buf, static_cast<size_t>(r));
        progress = true;
      } else {
        auto err = SSL_get_error(ssl.get(), r);
        if (err == SSL_ERROR_WANT_WRITE)
          tls_wants_write = true;
        else if (err != SSL_ERROR_WANT_READ)
          break; // closed, or broken
      }
    }
    if (!to_plain.empty()) {
      auto w = ::send(backend, to_plain.data(), to_plain.size(), MSG_NOSIGNAL);
      if (w > 0) {
        to_plain.erase(0, static_cast<size_t>(w));
        progress = true;
      } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        break;
      }
    }
    if (to_tls.empty() && !backend_done) {
      auto r = ::recv(backend, buf, sizeof(buf), 0);
      if (r > 0) {
        to_tls.append(buf, static_cast<size_t>(r));
        progress = true;
      } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        backend_done = true;
      }
    }
    if (!to_tls.empty()) {
      auto w = SSL_write(ssl.get(), to_tls.data(),
                         static_cast<int>(to_tls.size()));
      if (w > 0) {
        to_tls.erase(0, static_cast<size_t>(w));
        progress = true;
      } else {
        auto err = SSL_get_error(ssl.get(), w);
        if (err == SSL_ERROR_WANT_WRITE)
          tls_wants_write = true;
        else if (err != SSL_ERROR_WANT_READ)
          break;
      }
    }
    if (backend_done && to_tls.empty()) {
      SSL_shutdown(ssl.get());
      break;
    }
    if (progress) {
      idle_until = clock_type::now() + limits_.idle_timeout;
      continue;
    }
    short tls_events = (to_plain.empty() ? POLLIN : 0)
                       | (tls_wants_write ? POLLOUT : 0);
    short backend_events = (to_tls.empty() && !backend_done ? POLLIN : 0)
                           | (to_plain.empty() ? 0 : POLLOUT);
    pollfd fds[3] = {
      {fd, tls_events, 0}, {backend, backend_events, 0}, {stop_fd, POLLIN, 0}};
    auto n = ::poll(fds, 3, remaining_ms(idle_until));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || fds[2].revents != 0)
      break; // idle too long, or stopping
  }
  ERR_clear_error();
  ::close(backend);
}

} // namespace troupe::http
