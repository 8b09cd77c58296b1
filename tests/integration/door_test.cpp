// The client door's own behaviour, through a raw gRPC stub of troupe.v1
// against real nodes: health and reflection, tokens and roles, limits,
// detached jobs, idempotency keys, cancellation, TLS, and hostile bytes.
#include "tests/support/node_process.hpp"
#include "tests/support/process_probe.hpp"
#include "tests/support/tcp_sockets.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "troupe/v1/troupe.grpc.pb.h"

using namespace troupe;
using namespace std::chrono_literals;
using troupe::test::eventually;

namespace {

std::shared_ptr<grpc::Channel> channel_to(const test::node_process& node) {
  return grpc::CreateChannel(node.address(),
                             grpc::InsecureChannelCredentials());
}

std::unique_ptr<v1::Troupe::Stub> stub_for(const test::node_process& node) {
  return v1::Troupe::NewStub(channel_to(node));
}

// A client context with a deadline and, when given, a bearer token.
std::unique_ptr<grpc::ClientContext>
context(const std::string& token = {},
        std::chrono::milliseconds deadline = 10s) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  if (!token.empty())
    ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

v1::Job job_of(const std::string& skill, const std::string& input) {
  v1::Job j;
  j.set_skill(skill);
  j.set_input(input);
  return j;
}

// How many jobs of `skill` ended with `status` on the node so far.
uint64_t count_of(v1::Troupe::Stub& stub, const std::string& skill,
                  v1::JobStatus status, const std::string& token = {}) {
  v1::NodeStatus st;
  auto ctx = context(token);
  if (!stub.GetStatus(ctx.get(), v1::GetStatusRequest{}, &st).ok())
    return 0;
  for (auto& c : st.counts())
    if (c.skill() == skill && c.status() == status)
      return c.count();
  return 0;
}

std::string add_token(const std::string& file, const std::string& name,
                      const std::string& role,
                      std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"tokens", "add",    name, "--role",
                                role,     "--file", file};
  args.insert(args.end(), extra.begin(), extra.end());
  auto res = test::run_troupe(args);
  EXPECT_EQ(res.exit_code, 0) << res.err;
  auto out = res.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

// Sends `bytes` on a fresh TCP connection to the node's client port and
// reads whatever comes back until the node closes it or 2 s pass.
void send_raw(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[4096];
  while (::recv(fd, buf, sizeof(buf), 0) > 0) {
    // drain
  }
  ::close(fd);
}

bool echo_works(const test::node_process& node, const std::string& token = {}) {
  auto stub = stub_for(node);
  v1::JobResult r;
  auto ctx = context(token);
  return stub->Submit(ctx.get(), job_of("echo", "still here"), &r).ok()
         && r.status() == v1::OK && r.output() == "still here";
}

} // namespace

TEST(Door, ServesHealthAndReflection) {
  test::node_process node;
  ASSERT_TRUE(node.ready());
  grpc::GenericStub generic{channel_to(node)};
  // grpc.health.v1.Health/Check with an empty request (the whole server).
  grpc::ByteBuffer request{nullptr, 0};
  grpc::Slice empty{""};
  request = grpc::ByteBuffer{&empty, 1};
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions{},
                    &request, &response, [&](grpc::Status st) {
                      std::lock_guard<std::mutex> guard{mtx};
                      status = std::move(st);
                      done = true;
                      cv.notify_all();
                    });
  {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [&] {
      return done;
    });
  }
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // HealthCheckResponse{status: SERVING (1)}.
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  // Reflection lists the service: ServerReflectionRequest{list_services: ""}
  // on the bidi stream, read with a generic stream.
  grpc::ClientContext rctx;
  rctx.set_deadline(std::chrono::system_clock::now() + 10s);
  grpc::CompletionQueue cq;
  auto call = generic.PrepareCall(
    &rctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    &cq);
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::Slice list{std::string("\x3a\x00", 2)};
  grpc::ByteBuffer req{&list, 1};
  call->Write(req, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  ASSERT_TRUE(reply.Dump(&slices).ok());
  bytes.clear();
  for (auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_NE(bytes.find("troupe.v1.Troupe"), std::string::npos);
  rctx.TryCancel();
  grpc::Status fin;
  call->Finish(&fin, reinterpret_cast<void*>(4));
  while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
    // drain
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
    // drain
  }
}

TEST(Door, WatchStatusSendsChangesUntilTheCallEnds) {
  test::node_process node;
  ASSERT_TRUE(node.ready());
  auto stub = stub_for(node);
  auto ctx = context({}, 60s);
  v1::WatchStatusRequest req;
  req.set_interval_ms(100);
  auto watch = stub->WatchStatus(ctx.get(), req);
  v1::NodeStatus st;
  ASSERT_TRUE(watch->Read(&st));
  EXPECT_EQ(st.address(), node.address());
  // A job changes the node's counts: a status that shows it follows.
  ASSERT_TRUE(echo_works(node));
  bool counted = false;
  for (int i = 0; i < 50 && !counted && watch->Read(&st); ++i)
    for (auto& c : st.counts())
      counted = counted
                || (c.skill() == "echo" && c.status() == v1::OK
                    && c.count() >= 1);
  EXPECT_TRUE(counted);
  // The client ends the watch; the node goes on serving.
  ctx->TryCancel();
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(echo_works(node));
}

TEST(Door, TokensRolesAndLimits) {
  test::temp_file tokens{"tokens", ""};
  ::unlink(tokens.path().c_str());
  auto alice = add_token(tokens.path(), "alice", "submit",
                         {"--in-flight", "1"});
  auto ops = add_token(tokens.path(), "ops", "operate");
  test::node_process node{{"--tokens", tokens.path()}};
  ASSERT_TRUE(node.ready());
  auto stub = stub_for(node);
  v1::JobResult r;
  {
    auto ctx = context();
    EXPECT_EQ(stub->Submit(ctx.get(), job_of("echo", "x"), &r).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    auto ctx = context("trp_not-a-token");
    EXPECT_EQ(stub->Submit(ctx.get(), job_of("echo", "x"), &r).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_TRUE(echo_works(node, alice));
  v1::BreakerRequest open;
  open.set_skill("echo");
  open.set_action(v1::BreakerRequest::FORCE_OPEN);
  v1::BreakerStatus bs;
  {
    auto ctx = context(alice);
    EXPECT_EQ(stub->Breaker(ctx.get(), open, &bs).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    // Operators pass the role check (echo has no breaker: refused after).
    auto ctx = context(ops);
    EXPECT_EQ(stub->Breaker(ctx.get(), open, &bs).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    v1::DrainReply dr;
    auto ctx = context(ops);
    EXPECT_EQ(stub->Drain(ctx.get(), v1::DrainRequest{}, &dr).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  // One job in flight at most: a second one is refused with a retry time,
  // and admitted again once the first ended.
  v1::JobResult slow;
  grpc::Status slow_status;
  auto slow_ctx = context(alice);
  std::thread first{[&] {
    slow_status = stub->Submit(slow_ctx.get(), job_of("sleep", "800"), &slow);
  }};
  ASSERT_TRUE(eventually([&] {
    v1::NodeStatus st;
    auto ctx = context(alice);
    return stub->GetStatus(ctx.get(), v1::GetStatusRequest{}, &st).ok()
           && st.in_flight() >= 1;
  }));
  {
    auto ctx = context(alice);
    auto st = stub->Submit(ctx.get(), job_of("echo", "x"), &r);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    auto& md = ctx->GetServerTrailingMetadata();
    EXPECT_EQ(md.count("retry-after-ms"), 1u);
  }
  first.join();
  EXPECT_TRUE(slow_status.ok());
  EXPECT_EQ(slow.status(), v1::OK);
  EXPECT_TRUE(echo_works(node, alice));
}

TEST(Door, DetachedJobOutlivesItsConnection) {
  test::temp_file tokens{"tokens", ""};
  ::unlink(tokens.path().c_str());
  auto alice = add_token(tokens.path(), "alice", "submit");
  auto bob = add_token(tokens.path(), "bob", "submit");
  test::node_process node{{"--tokens", tokens.path()}};
  ASSERT_TRUE(node.ready());
  v1::JobTicket ticket;
  {
    auto stub = stub_for(node);
    auto j = job_of("sleep", "300");
    j.set_tag("mine");
    auto ctx = context(alice);
    ASSERT_TRUE(stub->SubmitDetached(ctx.get(), j, &ticket).ok());
  } // the connection goes away
  EXPECT_NE(ticket.id().find('@'), std::string::npos);
  auto stub = stub_for(node);
  v1::GetResultRequest get;
  get.set_id(ticket.id());
  get.set_wait_ms(10'000);
  v1::JobState state;
  {
    auto ctx = context(bob);
    EXPECT_EQ(stub->GetResult(ctx.get(), get, &state).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    auto ctx = context(alice, 20s);
    ASSERT_TRUE(stub->GetResult(ctx.get(), get, &state).ok());
  }
  EXPECT_TRUE(state.done());
  EXPECT_EQ(state.result().status(), v1::OK);
  EXPECT_EQ(state.result().tag(), "mine");
  EXPECT_EQ(state.result().id(), ticket.id());
  get.set_id("12345@nowhere");
  auto ctx = context(alice);
  EXPECT_EQ(stub->GetResult(ctx.get(), get, &state).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(Door, IdempotencyKeyRunsAJobOnce) {
  test::node_process node;
  ASSERT_TRUE(node.ready());
  auto stub = stub_for(node);
  auto j = job_of("sha256", "once");
  j.set_cache(v1::CACHE_BYPASS);
  j.set_idempotency_key("order-17");
  v1::JobResult a, b;
  {
    auto ctx = context();
    ASSERT_TRUE(stub->Submit(ctx.get(), j, &a).ok());
  }
  {
    auto ctx = context();
    ASSERT_TRUE(stub->Submit(ctx.get(), j, &b).ok());
  }
  EXPECT_EQ(a.status(), v1::OK);
  EXPECT_EQ(a.output(), b.output());
  EXPECT_EQ(a.id(), b.id());
  EXPECT_EQ(count_of(*stub, "sha256", v1::OK), 1u);
  // A detached retry with the key names the same job.
  v1::JobTicket t;
  auto ctx = context();
  ASSERT_TRUE(stub->SubmitDetached(ctx.get(), j, &t).ok());
  EXPECT_TRUE(t.existing());
  EXPECT_EQ(t.id(), a.id());
}

TEST(Door, ClosingAStreamCancelsItsJobs) {
  test::node_process node{{"--workers", "2"}};
  ASSERT_TRUE(node.ready());
  auto stub = stub_for(node);
  auto ctx = context({}, 30s);
  auto stream = stub->Run(ctx.get());
  v1::JobBatch batch;
  for (uint64_t i = 0; i < 4; ++i) {
    auto* j = batch.add_jobs();
    *j = job_of("sleep", "20000");
    j->set_ref(i);
  }
  ASSERT_TRUE(stream->Write(batch));
  ASSERT_TRUE(eventually([&] {
    v1::NodeStatus st;
    auto c = context();
    return stub->GetStatus(c.get(), v1::GetStatusRequest{}, &st).ok()
           && st.in_flight() == 4;
  }));
  ctx->TryCancel();
  EXPECT_FALSE(stream->Finish().ok());
  EXPECT_TRUE(eventually(
    [&] {
      return count_of(*stub, "sleep", v1::CANCELLED) == 4;
    },
    20s));
}

TEST(Door, TheCallDeadlineIsTheJobDeadline) {
  test::node_process node;
  ASSERT_TRUE(node.ready());
  auto stub = stub_for(node);
  v1::JobResult r;
  auto ctx = context({}, 300ms);
  // The job's deadline is the time the call had left when it arrived, so
  // the node's TIMEOUT and the client's own deadline fall due together:
  // the call ends with whichever comes first, never with the job's 20 s.
  auto st = stub->Submit(ctx.get(), job_of("sleep", "20000"), &r);
  if (st.ok())
    EXPECT_EQ(r.status(), v1::TIMEOUT) << r.error();
  else
    EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << st.error_message();
  // The node ends the job by its deadline, or cancels it with the call,
  // whichever comes first: either way it no longer runs.
  EXPECT_TRUE(eventually([&] {
    return count_of(*stub, "sleep", v1::TIMEOUT)
             + count_of(*stub, "sleep", v1::CANCELLED)
           == 1;
  }));
}

TEST(Door, HostileBytesLeaveTheNodeServing) {
  test::node_process node;
  ASSERT_TRUE(node.ready());
  // CAF's wire-protocol packet that crashed nodes, random bytes, and an
  // HTTP/2 preface followed by a frame header declaring 16 MiB.
  send_raw(node.port(), std::string("\x00\x00\x00\x0a", 4)
                          + std::string(10, '\0') + std::string(18, '\xff'));
  std::string noise(4096, '\0');
  uint32_t x = 12345;
  for (auto& c : noise) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 16);
  }
  send_raw(node.port(), noise);
  send_raw(node.port(),
           std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
             + std::string("\xff\xff\xff\x00\x00\x00\x00\x00\x01", 9));
  EXPECT_TRUE(echo_works(node));
}

TEST(Door, NonLoopbackAddressNeedsTlsAndTokens) {
  auto res = test::run_troupe({"node", "--host", "0.0.0.0", "--port", "0"}, {},
                              std::chrono::seconds(30));
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.err.find("without TLS and tokens"), std::string::npos)
    << res.err;
}

namespace {

// A CA and a certificate it signed for 127.0.0.1, made with openssl.
struct test_pki {
  std::string dir;

  test_pki() {
    char tmpl[] = "/tmp/troupe-pki-XXXXXX";
    dir = ::mkdtemp(tmpl);
    auto sh = [&](const std::string& cmd) {
      auto full = "cd " + dir + " && " + cmd + " >/dev/null 2>&1";
      EXPECT_EQ(std::system(full.c_str()), 0) << cmd;
    };
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
       "-days 1 -subj /CN=troupe-test-ca");
    for (std::string name : {"node", "client"}) {
      sh("openssl req -newkey rsa:2048 -nodes -keyout " + name + ".key -out "
         + name + ".csr -subj /CN=" + name);
      std::ofstream{dir + "/" + name + ".ext"}
        << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        << "extendedKeyUsage=" << (name == "node" ? "serverAuth" : "clientAuth")
        << "\n";
      sh("openssl x509 -req -in " + name
         + ".csr -CA ca.pem -CAkey ca.key "
           "-CAcreateserial -out "
         + name + ".pem -days 1 -extfile " + name + ".ext");
    }
  }

  ~test_pki() {
    std::system(("rm -rf " + dir).c_str());
  }

  std::string path(const std::string& name) const {
    return dir + "/" + name;
  }

  std::string read(const std::string& name) const {
    std::ifstream in{path(name)};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
};

bool tls_echo(const test::node_process& node, const test_pki& pki,
              bool with_cert) {
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = pki.read("ca.pem");
  if (with_cert) {
    opts.pem_private_key = pki.read("client.key");
    opts.pem_cert_chain = pki.read("client.pem");
  }
  auto stub = v1::Troupe::NewStub(
    grpc::CreateChannel(node.address(), grpc::SslCredentials(opts)));
  v1::JobResult r;
  auto ctx = context({}, 5s);
  return stub->Submit(ctx.get(), job_of("echo", "tls"), &r).ok()
         && r.output() == "tls";
}

} // namespace

TEST(Door, ServesOverTlsAndMutualTls) {
  test_pki pki;
  {
    test::node_process node{
      {"--tls-cert", pki.path("node.pem"), "--tls-key", pki.path("node.key")}};
    ASSERT_TRUE(node.ready());
    EXPECT_TRUE(tls_echo(node, pki, false));
    EXPECT_FALSE(echo_works(node)); // plaintext is not TLS
  }
  {
    test::node_process node{{"--tls-cert", pki.path("node.pem"), "--tls-key",
                             pki.path("node.key"), "--tls-ca",
                             pki.path("ca.pem")}};
    ASSERT_TRUE(node.ready());
    EXPECT_FALSE(tls_echo(node, pki, false));
    EXPECT_TRUE(tls_echo(node, pki, true));
  }
  auto res
    = test::run_troupe({"node", "--port", "0", "--tls-cert", pki.path("ca.key"),
                        "--tls-key", pki.path("node.key")},
                       {}, std::chrono::seconds(30));
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.err.find("holds no PEM certificate"), std::string::npos)
    << res.err;
}

namespace {

// A non-blocking TCP connection to the node's client port, left open.
int open_idle(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  return fd;
}

// Whether the peer closed `fd` (bounded wait).
bool closed_by_peer(int fd, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  char buf[256];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      auto n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        return true;
    }
  }
  return false;
}

} // namespace

TEST(Door, IdleConnectionsBeyondTheDescriptorLimitLeaveTheNodeServing) {
  test::temp_file cfg{"door.conf", "[door]\nhandshake-timeout = \"2s\"\n"};
  test::node_process node{{"--config", cfg.path()}};
  ASSERT_TRUE(node.ready());
  auto connected = stub_for(node);
  v1::JobResult r;
  {
    auto ctx = context();
    ASSERT_TRUE(connected->Submit(ctx.get(), job_of("echo", "a"), &r).ok());
  }
  // The node may hold 1024 descriptors; twice as many connections come.
  ASSERT_TRUE(test::limit_descriptors(node.pid(), 1024));
  test::allow_own_descriptors(4096);
  std::vector<int> idle;
  for (int i = 0; i < 2048; ++i)
    if (auto fd = open_idle(node.port()); fd >= 0)
      idle.push_back(fd);
  EXPECT_GE(idle.size(), 2000u);
  {
    // A client connected before keeps being served.
    auto ctx = context();
    EXPECT_TRUE(connected->Submit(ctx.get(), job_of("echo", "b"), &r).ok());
    EXPECT_EQ(r.output(), "b");
  }
  for (int fd : idle)
    ::close(fd);
  // A new client is served once the idle connections are gone.
  EXPECT_TRUE(eventually(
    [&] {
      return echo_works(node);
    },
    15s));
}

TEST(Door, SlowAndTruncatedHandshakesAreClosedAndHarmNothing) {
  test::temp_file cfg{"door.conf", "[door]\nhandshake-timeout = \"2s\"\n"};
  test::node_process node{{"--config", cfg.path()}};
  ASSERT_TRUE(node.ready());
  auto connected = stub_for(node);
  ASSERT_TRUE(echo_works(node));
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  std::vector<int> probes;
  // Per probe: a slow writer that never completes the preface, a preface
  // with a truncated frame header, a preface with a SETTINGS frame that
  // declares 16 MiB and never comes.
  std::string frames[3] = {preface.substr(0, 5),
                           preface + std::string("\x00\x00\x06", 3),
                           preface
                             + std::string("\xff\xff\xff\x04\x00\x00\x00"
                                           "\x00\x00\x00",
                                           10)};
  for (int i = 0; i < 20; ++i)
    for (auto& bytes : frames) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      ASSERT_GE(fd, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(node.port());
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
                0);
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      probes.push_back(fd);
    }
  {
    v1::JobResult r;
    auto ctx = context();
    EXPECT_TRUE(connected->Submit(ctx.get(), job_of("echo", "c"), &r).ok());
  }
  // The node closes each of them (the handshake timeout, or at once for a
  // frame it will not take).
  for (int fd : probes) {
    EXPECT_TRUE(closed_by_peer(fd, 20s));
    ::close(fd);
  }
  EXPECT_TRUE(echo_works(node));
}
