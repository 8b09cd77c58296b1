// Speaks the client API (troupe.v1 over gRPC) to real node processes: as
// any gRPC client would, through the generated stub or with bytes no troupe
// client would send, and through troupe's own client library.
#include "messages/errors.hpp"
#include "node/client/client.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/silent_listener.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "troupe/v1/troupe.grpc.pb.h"

using namespace troupe;
using namespace troupe::test;

namespace {

std::unique_ptr<v1::Troupe::Stub> raw_stub(const node_process& node) {
  return v1::Troupe::NewStub(
    grpc::CreateChannel(node.address(), grpc::InsecureChannelCredentials()));
}

std::chrono::system_clock::time_point in(std::chrono::seconds t) {
  return std::chrono::system_clock::now() + t;
}

} // namespace

TEST(RemoteNode, ThousandConcurrentJobsOnOneStreamAnsweredExactlyOnce) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto stub = raw_stub(node);
  grpc::ClientContext ctx;
  ctx.set_deadline(in(std::chrono::seconds(60)));
  auto stream = stub->Run(&ctx);
  // Several batches in flight at once, as a pipelining client sends them.
  for (uint64_t first = 1; first <= 1000; first += 100) {
    v1::JobBatch batch;
    for (auto ref = first; ref < first + 100; ++ref) {
      auto* j = batch.add_jobs();
      j->set_skill(ref % 2 ? "echo" : "sha256");
      j->set_input(std::to_string(ref));
      j->set_ref(ref);
    }
    ASSERT_TRUE(stream->Write(batch));
  }
  std::map<uint64_t, int> seen;
  size_t received = 0;
  v1::ResultBatch results;
  while (received < 1000 && stream->Read(&results))
    for (auto& r : results.results()) {
      ++seen[r.ref()];
      ++received;
      EXPECT_EQ(r.status(), v1::OK) << r.error();
      if (r.ref() % 2 == 1) {
        EXPECT_EQ(r.output(), std::to_string(r.ref()));
      }
    }
  // Closing our side ends the stream; anything still coming for us would
  // be a duplicate.
  ASSERT_TRUE(stream->WritesDone());
  while (stream->Read(&results))
    for (auto& r : results.results()) {
      ++seen[r.ref()];
      ++received;
    }
  auto status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(received, 1000u);
  EXPECT_EQ(seen.size(), 1000u);
  for (auto& [ref, n] : seen)
    EXPECT_EQ(n, 1) << "job " << ref;
}

TEST(RemoteNode, MalformedBytesAreRefusedAndNodeKeepsServing) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  grpc::GenericStub generic{
    grpc::CreateChannel(node.address(), grpc::InsecureChannelCredentials())};
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(in(std::chrono::seconds(10)));
  // Not a troupe.v1.Job: a field tag announcing more bytes than follow.
  std::string garbage{"\x12\xff\xff\xff\x0f garbage"};
  grpc::Slice slice{garbage};
  grpc::ByteBuffer request{&slice, 1};
  auto call = generic.PrepareUnaryCall(&ctx, "/troupe.v1.Troupe/Submit",
                                       request, &cq);
  call->StartCall();
  grpc::ByteBuffer reply;
  grpc::Status status;
  call->Finish(&reply, &status, &ctx);
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(tag, &ctx);
  EXPECT_FALSE(status.ok());
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
    // drained
  }
  auto c = client::client::connect("127.0.0.1", node.port());
  ASSERT_TRUE(c) << message_of(c.error());
  auto r = c->submit(job{0, "echo", "alive", {}});
  EXPECT_EQ(r.status, job_status::ok) << r.error;
  EXPECT_EQ(r.output, "alive");
}

TEST(RemoteNode, ClientRunGivesOneResultPerJob) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = client::client::connect("127.0.0.1", node.port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 300; ++i) {
    const char* skill = i % 3 == 0 ? "echo" : i % 3 == 1 ? "fail" : "nope";
    jobs.push_back(job{0, skill, "in" + std::to_string(i), {}});
  }
  std::map<uint64_t, job_result> results;
  size_t calls = 0;
  c->run(jobs, 64, [&](job_result&& r, caf::timespan) {
    ++calls;
    results.emplace(r.id, std::move(r));
  });
  EXPECT_EQ(calls, 300u);
  ASSERT_EQ(results.size(), 300u);
  for (uint64_t i = 0; i < 300; ++i) {
    auto& r = results[i];
    auto expected = i % 3 == 0   ? job_status::ok
                    : i % 3 == 1 ? job_status::skill_error
                                 : job_status::unknown_skill;
    EXPECT_EQ(r.status, expected) << i << ": " << r.error;
    if (i % 3 == 0) {
      EXPECT_EQ(r.output, "in" + std::to_string(i));
    }
  }
}

TEST(RemoteNode, NodeLossEndsJobsInFlight) {
  auto node = std::make_unique<node_process>();
  ASSERT_TRUE(node->ready()) << node->log();
  auto c = client::client::connect("127.0.0.1", node->port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 8; ++i)
    jobs.push_back(job{0, "sleep", "10000", {}});
  std::map<uint64_t, job_status> statuses;
  std::thread killer([&] {
    // Kill once the node is busy with the jobs (bounded wait).
    for (int i = 0; i < 200; ++i) {
      auto st = run_troupe({"status", "--json", "--node", node->address()});
      if (st.out.find("\"in_flight\":8") != std::string::npos)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    node->stop(SIGKILL);
  });
  c->run(jobs, 8, [&](job_result&& r, caf::timespan) {
    statuses[r.id] = r.status;
  });
  killer.join();
  ASSERT_EQ(statuses.size(), 8u);
  for (auto& [id, st] : statuses)
    EXPECT_EQ(st, job_status::node_lost) << id;
}

// The client sends messages far below any node's limit and a job larger
// than them in a call of its own: a job too large for the node fails alone,
// and none of its neighbours waits for its deadline.
TEST(RemoteNode, OversizedJobsFailAloneAndNoneTimesOut) {
  node_process node{{"--max-job-bytes", "8KiB"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = client::client::connect("127.0.0.1", node.port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 200; ++i) {
    job j{0, "echo", std::string(9000, 'x'), {}};
    // Short, so that a regression ends in TIMEOUT rather than a hang.
    j.options.timeout = std::chrono::seconds(3);
    jobs.push_back(std::move(j));
  }
  // Larger than the node's message limit (1 MiB plus 8 KiB): only this one
  // is refused as a message; its neighbours are not touched.
  jobs[57].input = std::string(2 * 1024 * 1024, 'y');
  jobs[58].input = "small";
  std::map<uint64_t, job_result> results;
  c->run(jobs, 256, [&](job_result&& r, caf::timespan) {
    EXPECT_EQ(results.count(r.id), 0u) << "job " << r.id << " answered twice";
    results.emplace(r.id, std::move(r));
  });
  ASSERT_EQ(results.size(), 200u);
  for (auto& [id, r] : results) {
    SCOPED_TRACE("job " + std::to_string(id));
    if (id == 58) {
      EXPECT_EQ(r.status, job_status::ok) << r.error;
    } else {
      EXPECT_EQ(r.status, job_status::bad_input) << r.error;
    }
  }
  EXPECT_NE(results[0].error.find("max-job-bytes"), std::string::npos)
    << results[0].error;
  // Over the node's message limit, or read and refused for its input: it
  // says which limit either way.
  auto& big = results[57].error;
  EXPECT_TRUE(big.find("exceeds the limit of node") != std::string::npos
              || big.find("max-job-bytes") != std::string::npos)
    << big;
}

// Text that is not UTF-8 (a skill's error: `fail` echoes its input; a
// skill name) must not make a whole batch unreadable, in either direction:
// its neighbours would time out too.
TEST(RemoteNode, AResultWithBadTextDoesNotSinkItsBatch) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = client::client::connect("127.0.0.1", node.port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 50; ++i) {
    job j{0, "echo", "in" + std::to_string(i), {}};
    j.options.timeout = std::chrono::seconds(2);
    jobs.push_back(std::move(j));
  }
  jobs[10].skill = "fail";
  jobs[10].input = "bad \xff byte";
  jobs[20].skill = "ec\xffho"; // a skill name that is not UTF-8 at all
  std::map<uint64_t, job_result> results;
  c->run(jobs, 64, [&](job_result&& r, caf::timespan) {
    results.emplace(r.id, std::move(r));
  });
  ASSERT_EQ(results.size(), 50u);
  for (auto& [id, r] : results) {
    SCOPED_TRACE("job " + std::to_string(id));
    if (id == 10) {
      EXPECT_EQ(r.status, job_status::skill_error) << r.error;
      EXPECT_EQ(r.error, "bad \xef\xbf\xbd byte");
    } else if (id == 20) {
      EXPECT_EQ(r.status, job_status::bad_input) << r.error;
      EXPECT_NE(r.error.find("not valid UTF-8"), std::string::npos) << r.error;
    } else {
      EXPECT_EQ(r.status, job_status::ok) << r.error;
    }
  }
}

// A node that died took its jobs with it: they end NODE_LOST at once (the
// connection broke), and are not sent again to whatever listens at that
// address next: a new node there is another node, and the jobs may already
// have run on the dead one.
TEST(RemoteNode, JobsOfAKilledNodeEndNodeLostAndAreNotResentToItsSuccessor) {
  std::vector<std::string> args{"--test-skills", "--port",
                                std::to_string(unused_port()), "--cluster-port",
                                std::to_string(unused_port())};
  auto node = std::make_unique<node_process>(args);
  ASSERT_TRUE(node->ready()) << node->log();
  auto c = client::client::connect("127.0.0.1", node->port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 4; ++i) {
    job j{0, "slow", "20000", {}};
    j.options.timeout = std::chrono::minutes(5);
    jobs.push_back(std::move(j));
  }
  std::unique_ptr<node_process> successor;
  std::thread killer([&] {
    for (int i = 0; i < 200; ++i) {
      auto st = run_troupe({"status", "--json", "--node", node->address()});
      if (st.out.find("\"in_flight\":4") != std::string::npos)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    node->stop(SIGKILL);
    // A new node takes the address at once.
    successor = std::make_unique<node_process>(args);
  });
  std::map<uint64_t, job_result> results;
  c->run(jobs, 4, [&](job_result&& r, caf::timespan) {
    results.emplace(r.id, std::move(r));
  });
  killer.join();
  ASSERT_EQ(results.size(), 4u);
  for (auto& [id, r] : results) {
    EXPECT_EQ(r.status, job_status::node_lost) << id << ": " << r.error;
    EXPECT_NE(r.error.find("may have run"), std::string::npos) << r.error;
  }
  ASSERT_TRUE(successor && successor->ready());
  auto st = run_troupe({"status", "--json", "--node", successor->address()});
  EXPECT_NE(st.out.find("\"in_flight\":0"), std::string::npos) << st.out;
}

// A peer that accepts TCP but never completes the handshake: connect gives
// up after its timeout, each time.
TEST(ClientConnect, GivesUpOnAPeerThatNeverAnswers) {
  silent_listener silent;
  ASSERT_NE(silent.port(), 0);
  client::connect_options opts;
  opts.timeout = std::chrono::milliseconds(500);
  auto c = client::client::connect("127.0.0.1", silent.port(), opts);
  ASSERT_FALSE(c);
  auto text = message_of(c.error());
  EXPECT_NE(
    text.find("cannot reach node 127.0.0.1:" + std::to_string(silent.port())),
    std::string::npos)
    << text;
  EXPECT_NE(text.find("no handshake within 500 ms"), std::string::npos) << text;
  // A second attempt to the same peer is bounded as well.
  opts.timeout = std::chrono::milliseconds(200);
  EXPECT_FALSE(client::client::connect("127.0.0.1", silent.port(), opts));
}

namespace {

// The first bytes a member sends over CAF's protocol (BASP): a 32-byte
// header announcing a client handshake. Not the HTTP/2 preface.
std::string basp_handshake_header() {
  std::string out(32, '\0');
  out[0] = 1;  // message type: client handshake
  out[15] = 3; // protocol version, big-endian, in the operation data
  return out;
}

// Sends `bytes` to 127.0.0.1:`port` and waits (bounded) for the peer to
// close the connection; true when it did.
bool peer_closes_after(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool closed = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL)
           == static_cast<ssize_t>(bytes.size())) {
    char buf[4096];
    for (int i = 0; i < 100 && !closed; ++i) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      auto n = ::recv(fd, buf, sizeof(buf), 0);
      closed = n <= 0; // anything before the end (HTTP/2 frames) is read
    }
  }
  ::close(fd);
  return closed;
}

} // namespace

// Clients and members listen on different ports: a member's protocol
// (CAF's BASP) at the client port is refused as not gRPC, a gRPC client at
// the cluster port finds no client API, and the node keeps serving both.
TEST(ClientConnect, ClientAndClusterPortsSpeakOnlyTheirOwnProtocol) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_NE(node.port(), node.cluster_port());
  // A raw socket rather than CAF's own client: CAF 0.17 crashes on the
  // HTTP/2 frames a gRPC server sends first.
  EXPECT_TRUE(peer_closes_after(node.port(), basp_handshake_header()));
  client::connect_options opts;
  opts.timeout = std::chrono::seconds(2);
  // The cluster port speaks gRPC too, but only the member protocol: a
  // client's first call there is refused, saying so.
  auto wrong = client::client::connect("127.0.0.1", node.cluster_port(), opts);
  ASSERT_TRUE(wrong) << message_of(wrong.error());
  auto skills = wrong->skills(std::chrono::seconds(2));
  ASSERT_FALSE(skills);
  EXPECT_EQ(skills.error().category(), caf::atom("troupe"));
  EXPECT_EQ(static_cast<error_code>(skills.error().code()),
            error_code::protocol_mismatch)
    << message_of(skills.error());
  EXPECT_NE(message_of(skills.error()).find("does not offer this call"),
            std::string::npos)
    << message_of(skills.error());
  auto c = client::client::connect("127.0.0.1", node.port(), opts);
  ASSERT_TRUE(c) << message_of(c.error()) << node.log();
  auto r = c->submit(job{0, "echo", "still serving", {}});
  EXPECT_EQ(r.status, job_status::ok) << r.error;
  EXPECT_EQ(r.output, "still serving");
  // A member cannot join through the client port, and the cluster port
  // still takes members.
  temp_file quick{"quick.conf", "[cluster]\njoin-timeout = 1s\n"};
  auto astray = run_troupe({"node", "--port", "0", "--config", quick.path(),
                            "--join", node.address()});
  EXPECT_EQ(astray.exit_code, 3) << astray.err;
  EXPECT_NE(astray.err.find("does not speak troupe's member protocol"),
            std::string::npos)
    << astray.err;
  node_process member{{"--join", node.cluster_address()}};
  ASSERT_TRUE(member.ready()) << member.log();
  auto joined = false;
  for (int i = 0; i < 100 && !joined; ++i) {
    auto st = node.cli({"status", "--json"});
    joined = st.out.find("\"address\":\"" + member.cluster_address())
             != std::string::npos;
    if (!joined)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(joined) << node.log();
}

// A node with a tokens file: every call needs a token, which the client
// sends with each call: --token, TROUPE_TOKEN, or the library's option.
TEST(ClientConnect, TokensGoWithEveryCall) {
  temp_file marker{"marker", ""};
  auto tokens = marker.path() + ".tokens";
  auto added = run_troupe(
    {"tokens", "add", "ci", "--role", "operate", "--file", tokens});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto token = added.out.substr(0, added.out.find('\n'));
  node_process node{{"--tokens", tokens}};
  ASSERT_TRUE(node.ready()) << node.log();
  // Refused without one: a usage error for a control call, a failed job
  // for a submit (the node never took it).
  auto anonymous = node.cli({"status"});
  EXPECT_EQ(anonymous.exit_code, 2) << anonymous.err;
  auto refused = node.cli({"submit", "--skill", "echo", "--input", "x"});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("UNAUTHENTICATED"), std::string::npos)
    << refused.err;
  auto with
    = node.cli({"submit", "--skill", "echo", "--input", "x", "--token", token});
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(with.out, "x");
  ::setenv("TROUPE_TOKEN", token.c_str(), 1);
  auto from_env = node.cli({"skills"});
  ::unsetenv("TROUPE_TOKEN");
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
  client::connect_options opts;
  opts.token = token;
  auto c = client::client::connect("127.0.0.1", node.port(), opts);
  ASSERT_TRUE(c) << message_of(c.error());
  std::vector<job> jobs(50, job{0, "echo", "in", {}});
  size_t ok = 0;
  c->run(jobs, 8, [&](job_result&& r, caf::timespan) {
    ok += r.status == job_status::ok ? 1 : 0;
  });
  EXPECT_EQ(ok, 50u);
  EXPECT_TRUE(c->status(std::chrono::seconds(5)));
  std::remove(tokens.c_str());
}
