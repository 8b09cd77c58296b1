// Detached jobs across members, through real node processes: a job started
// at one member is fetched and cancelled (`troupe result`, `troupe cancel`)
// through another, a job whose member was killed is NODE_LOST there, and one
// of an earlier run of a restarted member is NODE_LOST at that member itself.
#include "tests/support/cluster_status.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/process_probe.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include "troupe/v1/troupe.grpc.pb.h"

using namespace troupe;
using namespace troupe::test;
using namespace std::chrono_literals;

namespace {

class ClusterDetached : public ::testing::Test {
 public:
  temp_file conf{"cluster-fast.conf", fast_cluster_conf};

  std::vector<std::string> args(const std::string& name,
                                const node_process* seed) {
    return member_args(name, seed, conf.path());
  }
};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

std::string detach(const node_process& node, const std::string& skill,
                   const std::string& input) {
  auto res
    = node.cli({"submit", "--skill", skill, "--input", input, "--detach"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  return trimmed(res.out);
}

std::unique_ptr<v1::Troupe::Stub> stub_for(const node_process& node) {
  return v1::Troupe::NewStub(
    grpc::CreateChannel(node.address(), grpc::InsecureChannelCredentials()));
}

// `GetResult` for `id` at `node`, waiting up to `wait_ms`.
grpc::Status get_result(const node_process& node, const std::string& id,
                        uint32_t wait_ms, v1::JobState& state) {
  auto stub = stub_for(node);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  v1::GetResultRequest req;
  req.set_id(id);
  req.set_wait_ms(wait_ms);
  return stub->GetResult(&ctx, req, &state);
}

} // namespace

TEST_F(ClusterDetached, AJobIsFetchedAndCancelledThroughAnotherMember) {
  node_process a{args("alpha", nullptr)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(b, "alpha", "up"));
  ASSERT_TRUE(sees(a, "beta", "up"));
  // Held by alpha, fetched through beta with the CLI.
  auto id = detach(a, "echo", "held by alpha");
  ASSERT_NE(id.find("@alpha"), std::string::npos) << id;
  auto res = b.cli({"result", id, "--wait"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_EQ(trimmed(res.out), "held by alpha");
  // A long job held by alpha, cancelled through beta.
  auto slow = detach(a, "sleep", "60000");
  v1::JobState state;
  ASSERT_TRUE(get_result(b, slow, 0, state).ok());
  EXPECT_FALSE(state.done());
  // Through the CLI, with an id naming no member beside it.
  res = b.cli({"cancel", slow, "1-1@nowhere"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_NE(res.out.find("cancelled 1 of 2 jobs"), std::string::npos)
    << res.out;
  ASSERT_TRUE(get_result(b, slow, 20'000, state).ok());
  EXPECT_TRUE(state.done());
  EXPECT_EQ(state.result().status(), v1::CANCELLED) << state.result().error();
  // An id naming no member: NOT_FOUND, through the CLI's exit code.
  res = b.cli({"result", "1-1@nowhere"});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_NE(res.err.find("nowhere"), std::string::npos) << res.err;
}

TEST_F(ClusterDetached, AJobOfALostMemberIsNodeLost) {
  node_process a{args("alpha", nullptr)};
  ASSERT_TRUE(a.ready()) << a.log();
  auto b = std::make_unique<node_process>(args("beta", &a));
  ASSERT_TRUE(b->ready()) << b->log();
  ASSERT_TRUE(sees(a, "beta", "up"));
  ASSERT_TRUE(sees(*b, "alpha", "up"));
  auto id = detach(*b, "sleep", "60000");
  auto done = detach(*b, "echo", "kept by beta");
  // A waiting GetResult through alpha while beta is killed: either the
  // wait breaks (UNAVAILABLE, ask again) or it answers NODE_LOST.
  std::thread killer{[&] {
    std::this_thread::sleep_for(200ms);
    b->signal(SIGKILL);
  }};
  v1::JobState state;
  auto st = get_result(a, id, 20'000, state);
  killer.join();
  if (st.ok()) {
    EXPECT_TRUE(state.done());
    EXPECT_EQ(state.result().status(), v1::NODE_LOST);
  } else {
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE)
      << st.error_message();
  }
  ASSERT_TRUE(sees(a, "beta", "down")) << a.log();
  // Once alpha knows beta is lost, both of beta's jobs are NODE_LOST.
  for (auto& x : {id, done}) {
    ASSERT_TRUE(eventually([&] {
      v1::JobState s;
      return get_result(a, x, 0, s).ok() && s.done()
             && s.result().status() == v1::NODE_LOST;
    }))
      << x;
    auto res = a.cli({"result", x});
    EXPECT_NE(res.exit_code, 0);
    EXPECT_NE(res.err.find("beta"), std::string::npos) << res.err;
  }
}

TEST_F(ClusterDetached, AJobOfAnEarlierRunIsNodeLost) {
  auto a = std::make_unique<node_process>(args("alpha", nullptr));
  ASSERT_TRUE(a->ready()) << a->log();
  auto id = detach(*a, "sleep", "60000");
  auto ports = a->same_ports();
  ASSERT_NE(a->stop(SIGKILL), -1);
  auto again = args("alpha", nullptr);
  again.insert(again.end(), ports.begin(), ports.end());
  a = std::make_unique<node_process>(again);
  ASSERT_TRUE(a->ready()) << a->log();
  v1::JobState state;
  ASSERT_TRUE(get_result(*a, id, 0, state).ok());
  EXPECT_TRUE(state.done());
  EXPECT_EQ(state.result().status(), v1::NODE_LOST);
  EXPECT_NE(state.result().error().find("restarted"), std::string::npos)
    << state.result().error();
}
