// Faults in a cluster of real node processes on 127.0.0.1 that used to lose
// jobs or members: a member killed right after it joined, a peer whose
// gateway restarts while the peer stays up, a member that stalls.
#include "node/client/client.hpp"
#include "tests/support/cluster_status.hpp"
#include "tests/support/job_tally.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace troupe;
using namespace troupe::test;

namespace {

using namespace std::chrono_literals;

class ClusterFaults : public ::testing::Test {
 public:
  temp_file fast{"cluster-fast.conf", fast_cluster_conf};
  // A slow heartbeat: a member is declared down by silence only after
  // seconds, which is the window in which jobs used to be sent into links
  // that had ended.
  temp_file slow{"cluster-slow.conf", "[cluster]\nheartbeat-interval = 1s\n"
                                      "down-after = 5s\n"};

  std::vector<std::string> args(const std::string& name,
                                const node_process* seed, const temp_file& conf,
                                bool test_skills = false) {
    return member_args(name, seed, conf.path(), test_skills);
  }
};

// Jobs in chunks until `stop` is set; every result counted.
struct steady_load {
  job_tally tally;
  size_t jobs = 0;

  /// `make(chunk, i)` gives the i-th job of a chunk.
  template <class Make>
  void run(client::client& cl, const std::atomic<bool>& stop, size_t chunk_size,
           size_t concurrency, Make make) {
    for (size_t chunk = 0; !stop && chunk < 1000; ++chunk) {
      std::vector<job> batch;
      batch.reserve(chunk_size);
      for (size_t i = 0; i < chunk_size; ++i)
        batch.push_back(make(chunk, i));
      auto t = run_jobs(cl, std::move(batch), concurrency);
      jobs += t.seen.size();
      for (auto seen : t.seen)
        tally.seen.push_back(seen);
      for (auto& [st, n] : t.counts)
        tally.counts[st] += n;
      for (auto& [node, n] : t.by_node)
        tally.by_node[node] += n;
      for (auto& [st, error] : t.first_error)
        tally.first_error.emplace(st, error);
    }
  }
};

} // namespace

TEST_F(ClusterFaults, AMemberKilledRightAfterJoiningLosesNoJob) {
  node_process a{args("alpha", nullptr, slow)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process c{args("gamma", &a, slow)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(knows_skill(a, "gamma", "sha256"));
  auto cl = client::client::connect("127.0.0.1", a.port());
  ASSERT_TRUE(cl);
  // sha256 caches: a member that joins owns a share of the keys at once,
  // so jobs go to it as soon as alpha's view has it.
  std::atomic<bool> stop{false};
  steady_load load;
  std::thread driver{[&] {
    load.run(*cl, stop, 2000, 256, [](size_t chunk, size_t i) {
      job j{0, "sha256", std::to_string(chunk) + "-" + std::to_string(i), {}};
      j.options.timeout = 20s;
      return j;
    });
  }};
  for (int round = 0; round < 3; ++round) {
    node_process b{args("beta" + std::to_string(round), &a, slow)};
    ASSERT_TRUE(b.ready()) << b.log();
    // It joined through alpha: killed at once, before any heartbeat.
    b.signal(SIGKILL);
    EXPECT_TRUE(sees(a, "beta" + std::to_string(round), "down"));
  }
  stop = true;
  driver.join();
  auto summary = load.tally.summary();
  std::printf("%zu cached jobs while 3 members died right after joining: %s\n",
              load.jobs, summary.c_str());
  EXPECT_EQ(load.tally.first_not_answered_once(), -1);
  EXPECT_EQ(load.tally.counts[job_status::ok], load.jobs)
    << load.tally.details();
}

TEST_F(ClusterFaults, APeersGatewayRestartLosesNoJob) {
  node_process a{args("alpha", nullptr, slow)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a, slow, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(knows_skill(a, "beta", "slow"));
  auto cl = client::client::connect("127.0.0.1", a.port());
  ASSERT_TRUE(cl);
  auto at_b = client::client::connect("127.0.0.1", b.port());
  ASSERT_TRUE(at_b);
  // `slow` lives on beta only; its gateway crashes (and restarts on the
  // same port) while alpha sends it jobs: beta stays up, with the same
  // incarnation.
  std::vector<job> jobs(2000, job{0, "slow", "5", {}});
  for (auto& j : jobs)
    j.options.timeout = 20s;
  std::string crashed;
  auto t = run_jobs(*cl, jobs, 64, [&](size_t done) {
    if (done == 300) {
      auto r = at_b->crash("gateway", 5s);
      crashed = r ? *r : "refused";
    }
  });
  EXPECT_NE(crashed.find("crashing the gateway"), std::string::npos) << crashed;
  auto summary = t.summary();
  std::printf("2,000 jobs while a peer's gateway restarted: %s\n",
              summary.c_str());
  EXPECT_EQ(t.first_not_answered_once(), -1);
  // Jobs in flight at the crashing gateway may end NODE_LOST (accepted,
  // maybe run); none may be left to time out.
  EXPECT_EQ(t.counts[job_status::timeout], 0u) << t.details();
  EXPECT_GT(t.counts[job_status::ok], 1500u) << t.details();
  // And the link works again afterwards.
  std::vector<job> more(200, job{0, "slow", "1", {}});
  for (auto& j : more)
    j.options.timeout = 20s;
  auto after = run_jobs(*cl, more, 32);
  EXPECT_EQ(after.counts[job_status::ok], 200u) << after.details();
}

TEST_F(ClusterFaults, AStalledMemberDoesNotTakeHealthyOnesDown) {
  node_process a{args("alpha", nullptr, fast)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a, fast, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  node_process c{args("gamma", &a, fast)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(knows_skill(a, "beta", "slow"));
  ASSERT_TRUE(knows_skill(c, "beta", "slow"));
  auto cl = client::client::connect("127.0.0.1", a.port());
  ASSERT_TRUE(cl);
  // Jobs that must not run twice (one attempt each) run on beta while
  // gamma stands still for three times its peers' failure window, and
  // until it is back.
  std::atomic<bool> stop{false};
  steady_load load;
  std::thread driver{[&] {
    load.run(*cl, stop, 100, 16, [](size_t, size_t) {
      job j{0, "slow", "20", {}};
      j.options.max_attempts = 1;
      return j;
    });
  }};
  c.signal(SIGSTOP);
  EXPECT_TRUE(sees(a, "gamma", "down"));
  std::this_thread::sleep_for(3s); // the stall itself: a fault, not a wait
  c.signal(SIGCONT);
  // Gamma comes back as a new incarnation; nobody else went down.
  EXPECT_TRUE(sees(a, "gamma", "up")) << a.log();
  EXPECT_TRUE(sees(c, "alpha", "up")) << c.log();
  EXPECT_TRUE(sees(c, "beta", "up")) << c.log();
  stop = true;
  driver.join();
  EXPECT_EQ(load.tally.first_not_answered_once(), -1);
  EXPECT_EQ(load.tally.counts[job_status::ok], load.jobs)
    << load.tally.details();
  EXPECT_EQ(a.log().find("beta is down"), std::string::npos) << a.log();
  EXPECT_EQ(b.log().find("alpha is down"), std::string::npos) << b.log();
  EXPECT_EQ(c.log().find("alpha is down"), std::string::npos) << c.log();
  EXPECT_EQ(c.log().find("beta is down"), std::string::npos) << c.log();
}
