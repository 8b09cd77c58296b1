// The cluster-wide result cache through real node processes on 127.0.0.1:
// a job's key is looked up at the member owning it, so a result computed
// for one node's client is a hit for another's, identical jobs submitted to
// different nodes run once in the whole cluster, and losing an owner loses
// its entries but never a job.
#include "node/client/client.hpp"
#include "tests/support/cluster_status.hpp"
#include "tests/support/job_tally.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace troupe;
using namespace troupe::test;

namespace {

// `sleep` caches on every node here, so that identical jobs overlap in
// time; `slow` caches where the test skills exist.
const std::string cluster_conf = std::string{fast_cluster_conf}
                                 + "[skills.sleep]\ncache = true\n";
const std::string cluster_conf_with_slow = cluster_conf
                                           + "[skills.slow]\ncache = true\n";

// A cache figure ("hits", "misses", "coalesced") from `troupe status --json`.
uint64_t cache_figure(const node_process& node, const std::string& name) {
  auto st = node.cli({"status", "--json"});
  std::smatch m;
  std::regex re{"\"cache\":\\{[^}]*\"" + name + "\":([0-9]+)"};
  if (!std::regex_search(st.out, m, re))
    return 0;
  return std::stoull(m[1]);
}

class ClusterCache : public ::testing::Test {
 public:
  temp_file conf{"cluster-cache.conf", cluster_conf};
  temp_file conf_slow{"cluster-cache-slow.conf", cluster_conf_with_slow};

  std::vector<std::string> args(const std::string& name,
                                const node_process* seed,
                                bool test_skills = false) {
    return member_args(name, seed, test_skills ? conf_slow.path() : conf.path(),
                       test_skills);
  }

  /// Waits until every node knows every other one's `skill`.
  static bool converged(const std::vector<const node_process*>& nodes,
                        const std::vector<std::string>& names,
                        const std::string& skill) {
    for (auto* n : nodes)
      for (auto& name : names)
        if (!knows_skill(*n, name, skill))
          return false;
    return true;
  }
};

} // namespace

TEST_F(ClusterCache, AResultComputedForOneNodeIsAHitOnAnother) {
  node_process a{args("alpha", nullptr)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  node_process c{args("gamma", &a, true)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(knows_skill(a, "gamma", "slow"));
  ASSERT_TRUE(knows_skill(b, "gamma", "slow"));
  // Only gamma offers `slow`: the job runs there.
  auto first = a.cli({"submit", "--skill", "slow", "--input", "20", "--json"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("\"node\":\"gamma\""), std::string::npos)
    << first.out;
  EXPECT_NE(first.out.find("\"cache_hit\":false"), std::string::npos)
    << first.out;
  // The same job submitted to beta is answered from gamma's cache.
  auto second = b.cli({"submit", "--skill", "slow", "--input", "20", "--json"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("\"cache_hit\":true"), std::string::npos)
    << second.out;
  EXPECT_NE(second.out.find("\"node\":\"gamma\""), std::string::npos)
    << second.out;
  // --no-cache runs it again.
  auto bypass = b.cli(
    {"submit", "--skill", "slow", "--input", "20", "--no-cache", "--json"});
  EXPECT_NE(bypass.out.find("\"cache_hit\":false"), std::string::npos)
    << bypass.out;
  EXPECT_EQ(cache_figure(c, "misses"), 1u);
  EXPECT_EQ(cache_figure(c, "hits"), 1u);
}

TEST_F(ClusterCache, IdenticalJobsOnThreeNodesRunOnce) {
  node_process a{args("alpha", nullptr)};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  node_process c{args("gamma", &a)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(converged({&a, &b, &c}, {"alpha", "beta", "gamma"}, "sleep"));
  // 200 identical jobs, all in flight at once, spread over the three nodes.
  std::vector<const node_process*> nodes{&a, &b, &c};
  std::vector<std::map<job_status, size_t>> counts(3);
  std::vector<size_t> answered(3, 0);
  std::vector<std::thread> submitters;
  for (size_t k = 0; k < 3; ++k)
    submitters.emplace_back([&, k] {
      auto cl = client::client::connect("127.0.0.1", nodes[k]->port());
      if (!cl)
        return;
      size_t n = k < 2 ? 67 : 66;
      std::vector<job> jobs(n, job{0, "sleep", "400", {}});
      cl->run(jobs, n, [&, k](job_result&& r, caf::timespan) {
        ++counts[k][r.status];
        ++answered[k];
      });
    });
  for (auto& t : submitters)
    t.join();
  size_t ok = 0;
  size_t total = 0;
  for (size_t k = 0; k < 3; ++k) {
    ok += counts[k][job_status::ok];
    total += answered[k];
  }
  EXPECT_EQ(total, 200u);
  EXPECT_EQ(ok, 200u);
  uint64_t misses = 0;
  uint64_t shared = 0;
  for (auto* n : nodes) {
    misses += cache_figure(*n, "misses");
    shared += cache_figure(*n, "hits") + cache_figure(*n, "coalesced");
  }
  std::printf("200 identical jobs over 3 nodes: %llu execution(s), %llu "
              "answered from it\n",
              static_cast<unsigned long long>(misses),
              static_cast<unsigned long long>(shared));
  EXPECT_EQ(misses, 1u);
  EXPECT_EQ(shared, 199u);
}

TEST_F(ClusterCache, LosingAKeyOwnerLosesNoJob) {
  node_process a{args("alpha", nullptr)};
  ASSERT_TRUE(a.ready()) << a.log();
  auto b = std::make_unique<node_process>(args("beta", &a));
  ASSERT_TRUE(b->ready()) << b->log();
  node_process c{args("gamma", &a)};
  ASSERT_TRUE(c.ready()) << c.log();
  ASSERT_TRUE(converged({&a}, {"beta", "gamma"}, "sha256"));
  auto cl = client::client::connect("127.0.0.1", a.port());
  ASSERT_TRUE(cl);
  // sha256 caches by default: 10,000 different inputs spread their keys
  // over the three members; beta, owner of about a third, is killed once a
  // fifth of the jobs are done.
  constexpr size_t n = 10'000;
  std::vector<job> jobs(n);
  for (size_t i = 0; i < n; ++i)
    jobs[i] = job{0, "sha256", "input-" + std::to_string(i), {}};
  auto t = run_jobs(*cl, jobs, 256, [&](size_t done) {
    if (done == n / 5)
      b->signal(SIGKILL);
  });
  auto summary = t.summary();
  std::printf("10,000 cached jobs with a key owner killed: %s(alpha %zu, "
              "beta %zu, gamma %zu)\n",
              summary.c_str(), t.by_node["alpha"], t.by_node["beta"],
              t.by_node["gamma"]);
  EXPECT_EQ(t.first_not_answered_once(), -1);
  EXPECT_EQ(t.counts[job_status::ok], n) << summary;
  EXPECT_GT(t.by_node["beta"], 0u);
  EXPECT_TRUE(sees(a, "beta", "down")) << a.log();
  // With beta gone its keys belong to the others: the same jobs again are
  // answered, and those alpha and gamma cached are hits.
  std::vector<job> again(jobs.begin(), jobs.begin() + 1000);
  size_t hits = 0;
  size_t ok = 0;
  cl->run(again, 64, [&](job_result&& r, caf::timespan) {
    ok += r.status == job_status::ok ? 1 : 0;
    hits += r.cache_hit ? 1 : 0;
    EXPECT_NE(r.node, "beta");
  });
  EXPECT_EQ(ok, 1000u);
  EXPECT_GT(hits, 0u);
}
