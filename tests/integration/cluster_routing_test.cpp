// Jobs across a cluster of real node processes on 127.0.0.1: a job runs
// where its skill lives, and killing a node under load loses no job.
#include "node/client/client.hpp"
#include "tests/support/cluster_status.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/job_tally.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/pool_status.hpp"
#include "tests/support/process_probe.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace troupe;
using namespace troupe::test;

namespace {

class ClusterRouting : public ::testing::Test {
 public:
  temp_file conf{"cluster.conf", fast_cluster_conf};

  std::vector<std::string> args(const std::string& name,
                                const node_process* seed, bool test_skills) {
    return member_args(name, seed, conf.path(), test_skills);
  }
};

} // namespace

TEST_F(ClusterRouting, JobRunsOnTheNodeThatOffersItsSkill) {
  node_process a{args("alpha", nullptr, false)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a, false)};
  ASSERT_TRUE(b.ready()) << b.log();
  node_process c{args("gamma", &a, true)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(knows_skill(a, "gamma", "flaky"));
  auto res = a.cli({"submit", "--skill", "flaky", "--input", "0", "--json"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_NE(res.out.find("\"node\":\"gamma\""), std::string::npos) << res.out;
  // A skill every node offers stays where it was submitted.
  res = b.cli({"submit", "--skill", "echo", "--input", "x", "--json"});
  EXPECT_NE(res.out.find("\"node\":\"beta\""), std::string::npos) << res.out;
  // An unknown skill names where skills live in the whole cluster.
  res = a.cli({"submit", "--skill", "nope"});
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_NE(res.err.find("available in the cluster:"), std::string::npos)
    << res.err;
  EXPECT_NE(res.err.find("flaky (gamma)"), std::string::npos) << res.err;
}

// Placement reads fresh counts of jobs in flight (its own pools', and what
// it sent to each member), so a burst submitted to one node spreads over
// every member at once instead of piling onto that node until the next
// heartbeat (before, 892 of 1,200 such jobs ran on the submitting node).
TEST_F(ClusterRouting, ABurstSpreadsOverEveryMember) {
  node_process a{args("alpha", nullptr, false)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a, false)};
  ASSERT_TRUE(b.ready()) << b.log();
  node_process c{args("gamma", &a, false)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(knows_skill(a, "beta", "sleep"));
  ASSERT_TRUE(knows_skill(a, "gamma", "sleep"));
  const int jobs = 600;
  auto res = a.cli({"bench", "--skill", "sleep", "--input", "20", "--jobs",
                    std::to_string(jobs), "--concurrency", "12", "--json"});
  ASSERT_EQ(res.exit_code, 0) << res.err << res.out;
  int total = 0;
  for (std::string name : {"alpha", "beta", "gamma"}) {
    auto key = "\"" + name + "\":";
    auto at = res.out.find(key);
    ASSERT_NE(at, std::string::npos) << name << " ran nothing: " << res.out;
    auto n = std::stoi(res.out.substr(at + key.size()));
    total += n;
    // Each member's 4 workers take a fair part: none idles, none takes
    // the bulk (a third each when transit costs nothing).
    EXPECT_GE(n, jobs / 10) << name << ": " << res.out;
    EXPECT_LE(n, jobs * 6 / 10) << name << ": " << res.out;
  }
  EXPECT_EQ(total, jobs) << res.out;
}

TEST_F(ClusterRouting, CtrlCCancelsAJobRunningOnAnotherMember) {
  node_process a{args("alpha", nullptr, false)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(knows_skill(a, "beta", "slow"));
  // `slow` lives on beta only: the job submitted to alpha runs there.
  cli_process job{
    {"submit", "--node", a.address(), "--skill", "slow", "--input", "60000"}};
  ASSERT_TRUE(stat_becomes(b, "slow", "busy", 1));
  job.signal(SIGINT);
  auto res = job.wait();
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_NE(res.err.find("CANCELLED: cancelled by its client while running"),
            std::string::npos)
    << res.err;
  // Beta stopped the work too, long before its 60 s.
  EXPECT_TRUE(stat_becomes(b, "slow", "busy", 0));
  EXPECT_EQ(troupe::test::job_count(b, "slow", "CANCELLED"), 1);
}

TEST_F(ClusterRouting, KillingANodeUnderLoadLosesNoJob) {
  node_process a{args("alpha", nullptr, false)};
  ASSERT_TRUE(a.ready()) << a.log();
  auto b = std::make_unique<node_process>(args("beta", &a, true));
  ASSERT_TRUE(b->ready()) << b->log();
  node_process c{args("gamma", &a, true)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(knows_skill(a, "beta", "slow"));
  ASSERT_TRUE(knows_skill(a, "gamma", "slow"));
  auto b_ports = b->same_ports();
  auto cl = client::client::connect("127.0.0.1", a.port());
  ASSERT_TRUE(cl);
  // 10,000 jobs of a skill only beta and gamma offer, 256 in flight; beta
  // is killed once a fifth of them are done.
  constexpr size_t n = 10'000;
  std::vector<job> jobs(n, job{0, "slow", "1", {}});
  auto t = run_jobs(*cl, jobs, 256, [&](size_t done) {
    if (done == n / 5)
      b->signal(SIGKILL);
  });
  auto summary = t.summary();
  std::printf("10,000 jobs with a node killed: %s(beta %zu, gamma %zu)\n",
              summary.c_str(), t.by_node["beta"], t.by_node["gamma"]);
  EXPECT_EQ(t.first_not_answered_once(), -1);
  // The skill is idempotent: jobs lost with beta ran again on gamma.
  EXPECT_EQ(t.counts[job_status::ok], n) << summary;
  EXPECT_TRUE(sees(a, "beta", "down")) << a.log();
  b->stop(SIGKILL);
  // Restarted on its ports, beta rejoins and takes work again.
  auto again = args("beta", &a, true);
  again.insert(again.end(), b_ports.begin(), b_ports.end());
  b = std::make_unique<node_process>(again);
  ASSERT_TRUE(b->ready()) << b->log();
  ASSERT_TRUE(sees(a, "beta", "up")) << a.log();
  ASSERT_TRUE(knows_skill(a, "beta", "slow"));
  std::vector<job> more(400, job{0, "slow", "1", {}});
  size_t on_beta = 0;
  cl->run(more, 64, [&](job_result&& r, caf::timespan) {
    EXPECT_EQ(r.status, job_status::ok) << r.error;
    if (r.node == "beta")
      ++on_beta;
  });
  EXPECT_GT(on_beta, 0u);
}

TEST_F(ClusterRouting, NonIdempotentJobsOnALostNodeEndNodeLost) {
  node_process a{args("alpha", nullptr, false)};
  ASSERT_TRUE(a.ready()) << a.log();
  auto b = std::make_unique<node_process>(args("beta", &a, true));
  ASSERT_TRUE(b->ready()) << b->log();
  ASSERT_TRUE(knows_skill(a, "beta", "crash"));
  auto cl = client::client::connect("127.0.0.1", a.port());
  ASSERT_TRUE(cl);
  // `slow` is idempotent, but a job may ask for a single attempt: then it
  // is never run again anywhere.
  std::vector<job> jobs(50, job{0, "slow", "3000", {}});
  for (auto& j : jobs)
    j.options.max_attempts = 1;
  // Kill beta once it is running the jobs (all its workers busy).
  std::thread killer{[&] {
    for (int i = 0; i < 200; ++i) {
      auto st = b->cli({"status", "--json"});
      if (st.out.find(R"("name":"slow","version":"1")") != std::string::npos
          && st.out.find(R"("busy":4)") != std::string::npos)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    b->signal(SIGKILL);
  }};
  std::map<job_status, size_t> counts;
  std::string error;
  cl->run(jobs, 50, [&](job_result&& r, caf::timespan) {
    ++counts[r.status];
    error = r.error;
  });
  killer.join();
  EXPECT_EQ(counts[job_status::node_lost], 50u) << error;
  EXPECT_NE(error.find("member beta was lost"), std::string::npos) << error;
}

TEST_F(ClusterRouting, ClusterMetricsAreServed) {
  auto a_port = unused_port();
  auto b_port = unused_port();
  auto a_args = args("alpha", nullptr, false);
  a_args.push_back("--metrics-port");
  a_args.push_back(std::to_string(a_port));
  node_process a{a_args};
  ASSERT_TRUE(a.ready()) << a.log();
  auto b_args = args("beta", &a, true);
  b_args.push_back("--metrics-port");
  b_args.push_back(std::to_string(b_port));
  node_process b{b_args};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(knows_skill(a, "beta", "flaky"));
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(a.cli({"submit", "--skill", "flaky", "--input", "0"}).exit_code,
              0);
  auto on_a = http_get(a_port, "/metrics");
  EXPECT_NE(on_a.find("troupe_cluster_members{status=\"up\"} 2"),
            std::string::npos)
    << on_a;
  EXPECT_NE(
    on_a.find(R"(troupe_remote_jobs_total{direction="out",peer="beta"} 5)"),
    std::string::npos)
    << on_a;
  EXPECT_NE(on_a.find("troupe_cluster_heartbeat_rtt_seconds_count"),
            std::string::npos)
    << on_a;
  EXPECT_NE(on_a.find(R"(troupe_batch_flushes_total{peer="beta")"),
            std::string::npos)
    << on_a;
  auto on_b = http_get(b_port, "/metrics");
  EXPECT_NE(
    on_b.find(R"(troupe_remote_jobs_total{direction="in",peer="alpha"} 5)"),
    std::string::npos)
    << on_b;
}
