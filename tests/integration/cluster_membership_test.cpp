// Cluster membership with real node processes on 127.0.0.1: joining,
// convergence, failure detection of killed and hung nodes, rejoining,
// clean leaves and refused joins.
#include "tests/support/cluster_status.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

using namespace troupe::test;

namespace {

struct ClusterMembership : ::testing::Test {
  temp_file conf{"cluster.conf", fast_cluster_conf};

  std::vector<std::string> args(const std::string& name,
                                const node_process* seed = nullptr) {
    return member_args(name, seed, conf.path());
  }
};

} // namespace

TEST_F(ClusterMembership, JoinedNodesConvergeOnOneView) {
  node_process a{args("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  // gamma joins through beta, not the first node.
  node_process c{args("gamma", &b)};
  ASSERT_TRUE(c.ready()) << c.log();
  for (auto* n : {&a, &b, &c})
    for (auto name : {"alpha", "beta", "gamma"})
      EXPECT_TRUE(sees(*n, name, "up")) << name << " not up everywhere";
  auto st = c.cli({"status"});
  EXPECT_NE(st.out.find("cluster   3 members, 3 up"), std::string::npos)
    << st.out;
}

TEST_F(ClusterMembership, TakenNameIsRefused) {
  node_process a{args("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  auto twin = run_troupe({"node", "--port", "0", "--name", "beta", "--config",
                          conf.path(), "--join", a.cluster_address()});
  EXPECT_EQ(twin.exit_code, 2);
  EXPECT_NE(twin.err.find("a node named 'beta' is already live at "
                          + b.cluster_address()),
            std::string::npos)
    << twin.err;
  EXPECT_TRUE(sees(a, "beta", "up"));
}

TEST_F(ClusterMembership, KilledNodeIsDeclaredDownAndRejoinsAfterRestart) {
  node_process a{args("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  auto b = std::make_unique<node_process>(args("beta", &a));
  ASSERT_TRUE(b->ready()) << b->log();
  ASSERT_TRUE(sees(a, "beta", "up"));
  auto ports = b->same_ports();
  ASSERT_NE(b->stop(SIGKILL), -1);
  EXPECT_TRUE(sees(a, "beta", "down")) << a.log();
  // The restarted node takes its ports back and rejoins.
  auto again = args("beta", &a);
  again.insert(again.end(), ports.begin(), ports.end());
  b = std::make_unique<node_process>(again);
  ASSERT_TRUE(b->ready()) << b->log();
  EXPECT_TRUE(sees(a, "beta", "up")) << a.log();
  EXPECT_TRUE(sees(*b, "alpha", "up")) << b->log();
}

TEST_F(ClusterMembership, HungNodeIsDeclaredDownAndComesBack) {
  node_process a{args("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(a, "beta", "up"));
  b.signal(SIGSTOP);
  // Its connection stays open: only the heartbeats can tell.
  EXPECT_TRUE(sees(a, "beta", "down")) << a.log();
  b.signal(SIGCONT);
  EXPECT_TRUE(sees(a, "beta", "up")) << a.log();
  EXPECT_TRUE(sees(b, "alpha", "up")) << b.log();
}

TEST_F(ClusterMembership, CleanShutdownLeavesInsteadOfGoingDown) {
  node_process a{args("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(a, "beta", "up"));
  auto status = b.stop(SIGTERM);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(sees(a, "beta", "leaving")) << a.log();
  EXPECT_EQ(a.log().find("beta is down"), std::string::npos) << a.log();
}

TEST_F(ClusterMembership, UnreachableSeedsStopTheNode) {
  temp_file quick{"quick.conf", "[cluster]\njoin-timeout = 500ms\n"};
  auto res
    = run_troupe({"node", "--port", "0", "--config", quick.path(), "--join",
                  "127.0.0.1:" + std::to_string(unused_port())});
  EXPECT_EQ(res.exit_code, 3);
  EXPECT_NE(res.err.find("cannot join the cluster: no seed node"),
            std::string::npos)
    << res.err;
  auto bad = run_troupe({"node", "--port", "0", "--join", "nowhere"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--join expects HOST:PORT"), std::string::npos)
    << bad.err;
}
