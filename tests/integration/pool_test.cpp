// Worker pools through real node processes: a full queue answers
// OVERLOADED, higher priority runs first, elastic pools grow and shrink,
// and jobs are cancelled by Ctrl-C or by a client that goes away, queued or
// running, native or process.
#include "tests/support/node_process.hpp"
#include "tests/support/pool_status.hpp"
#include "tests/support/process_probe.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A JSONL line for the bulk submitter.
std::string line(const std::string& skill, const std::string& input,
                 int priority = 0) {
  return R"({"skill": ")" + skill + R"(", "input": ")" + input
         + R"(", "priority": )" + std::to_string(priority) + "}\n";
}

// The line numbers of the records in --json output, in the order they came.
std::vector<int> line_order(const std::string& out) {
  std::vector<int> order;
  size_t at = 0;
  while ((at = out.find("{\"line\":", at)) != std::string::npos) {
    order.push_back(std::atoi(out.c_str() + at + 8));
    at += 8;
  }
  return order;
}

cli_process submit(const node_process& node, const std::string& skill,
                   const std::string& input) {
  return cli_process{
    {"submit", "--node", node.address(), "--skill", skill, "--input", input}};
}

} // namespace

TEST(Pool, FullQueueAnswersOverloadedAtOnce) {
  temp_file conf{"node.conf", work_conf("workers = 1\nqueue-capacity = 1\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  // One runs, one waits, the third finds the queue full.
  temp_file jobs{"jobs.jsonl", line("work", "sleep:1000") + line("work", "a")
                                 + line("work", "b")};
  auto res = node.cli(
    {"submit", "--jobs", jobs.path(), "--concurrency", "3", "--json"});
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "OK 2")) << res.err;
  EXPECT_TRUE(contains(res.err, "OVERLOADED 1")) << res.err;
  EXPECT_TRUE(contains(res.out, "skill 'work' queue is full (1 jobs)"))
    << res.out;
  // The refused job came back before the running one finished.
  auto order = line_order(res.out);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0], 3);
}

TEST(Pool, NodeWideInFlightBoundAnswersOverloaded) {
  node_process node{{"--workers", "1", "--max-in-flight", "2"}};
  ASSERT_TRUE(node.ready()) << node.log();
  // One runs, one waits (the sleep queue has room for thousands), and the
  // third would be the node's third job in flight.
  temp_file jobs{"jobs.jsonl", line("sleep", "800") + line("sleep", "1")
                                 + line("sleep", "2")};
  auto res = node.cli(
    {"submit", "--jobs", jobs.path(), "--concurrency", "3", "--json"});
  EXPECT_TRUE(contains(res.err, "OVERLOADED 1")) << res.err;
  EXPECT_TRUE(contains(res.out, "jobs in flight (max-in-flight)")) << res.out;
}

TEST(Pool, HigherPriorityRunsFirstAndEqualPriorityInArrivalOrder) {
  temp_file conf{"node.conf", work_conf("workers = 1\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  // Line 1 occupies the worker; the others queue behind it.
  temp_file jobs{"jobs.jsonl", line("work", "sleep:500") + line("work", "a", 1)
                                 + line("work", "b", 5) + line("work", "c", 3)
                                 + line("work", "d", 5)};
  auto res = node.cli(
    {"submit", "--jobs", jobs.path(), "--concurrency", "5", "--json"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_EQ(line_order(res.out), (std::vector<int>{1, 3, 5, 4, 2})) << res.out;
}

TEST(Pool, ElasticPoolGrowsWithItsQueueAndShrinksWhenIdle) {
  temp_file conf{"node.conf", work_conf("min-workers = 0\nmax-workers = 3\n"
                                        "idle-timeout = 300ms\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  EXPECT_EQ(skill_stat(node, "work", "workers"), 0);
  EXPECT_TRUE(children_of(node.pid()).empty());
  temp_file jobs{"jobs.jsonl",
                 line("work", "sleep:1500") + line("work", "sleep:1500")
                   + line("work", "sleep:1500") + line("work", "sleep:1500")};
  cli_process run{{"submit", "--node", node.address(), "--jobs", jobs.path(),
                   "--concurrency", "4"}};
  // Never more than max-workers, however many jobs wait.
  EXPECT_TRUE(stat_becomes(node, "work", "busy", 3));
  EXPECT_EQ(skill_stat(node, "work", "workers"), 3);
  auto res = run.wait();
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, "OK 4")) << res.out;
  // Idle workers above the minimum retire, and their processes end.
  EXPECT_TRUE(stat_becomes(node, "work", "workers", 0));
  EXPECT_TRUE(eventually([&] {
    return children_of(node.pid()).empty();
  }));
}

TEST(Pool, CtrlCCancelsARunningProcessJobAndKillsItsChild) {
  temp_file conf{"node.conf", work_conf("workers = 1\nkill-grace = 200ms\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  auto child = children_of(node.pid()).at(0);
  auto job = submit(node, "work", "hang");
  ASSERT_TRUE(stat_becomes(node, "work", "busy", 1));
  job.signal(SIGINT);
  auto res = job.wait();
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "CANCELLED: cancelled by its client while "
                                "running"))
    << res.err;
  EXPECT_TRUE(eventually([&] {
    return !running(child) && !zombie(child);
  }));
  EXPECT_EQ(job_count(node, "work", "CANCELLED"), 1);
  // A fresh process takes the next job.
  EXPECT_EQ(node.cli({"submit", "--skill", "work", "--input", "next"}).out,
            "next");
}

TEST(Pool, CtrlCCancelsQueuedAndRunningNativeJobs) {
  node_process node{{"--workers", "1"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto running_job = submit(node, "sleep", "60000");
  ASSERT_TRUE(stat_becomes(node, "sleep", "busy", 1));
  auto queued_job = submit(node, "sleep", "1");
  ASSERT_TRUE(stat_becomes(node, "sleep", "queued", 1));
  queued_job.signal(SIGINT);
  auto queued = queued_job.wait();
  EXPECT_EQ(queued.exit_code, 1);
  EXPECT_TRUE(contains(queued.err, "CANCELLED: cancelled by its client while "
                                   "queued"))
    << queued.err;
  EXPECT_EQ(skill_stat(node, "sleep", "queued"), 0);
  running_job.signal(SIGINT);
  auto ran = running_job.wait();
  EXPECT_TRUE(contains(ran.err, "CANCELLED: cancelled by its client while "
                                "running"))
    << ran.err;
  // The skill saw the cancellation and returned: its thread is free again
  // long before the 60 s it was asked to sleep.
  EXPECT_TRUE(stat_becomes(node, "sleep", "busy", 0));
  EXPECT_EQ(node.cli({"submit", "--skill", "sleep", "--input", "1"}).out, "1");
  EXPECT_EQ(job_count(node, "sleep", "CANCELLED"), 2);
}

TEST(Pool, CtrlCCancelsAJobOfASkillBehindABreaker) {
  // `slow` has a breaker on a node with test skills: the attempt runs in
  // the pool under the breaker's own id, and still ends at once.
  node_process node{{"--test-skills", "--workers", "1"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto job = submit(node, "slow", "60000");
  ASSERT_TRUE(stat_becomes(node, "slow", "busy", 1));
  job.signal(SIGINT);
  auto res = job.wait();
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "CANCELLED: cancelled by its client while "
                                "running"))
    << res.err;
  // The pool stopped the attempt too: its worker is free long before 60 s.
  EXPECT_TRUE(stat_becomes(node, "slow", "busy", 0));
  EXPECT_EQ(job_count(node, "slow", "CANCELLED"), 1);
}

TEST(Pool, AClientThatDiesHasItsJobsCancelled) {
  temp_file conf{"node.conf", work_conf("workers = 1\nkill-grace = 200ms\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  auto child = children_of(node.pid()).at(0);
  auto first = submit(node, "work", "hang");
  ASSERT_TRUE(stat_becomes(node, "work", "busy", 1));
  auto second = submit(node, "work", "never runs");
  ASSERT_TRUE(stat_becomes(node, "work", "queued", 1));
  // No chance to say goodbye: the connections just break. The queued job's
  // client first (were the running one's first, the queued job could run
  // on the fresh worker before its client's end is noticed).
  second.signal(SIGKILL);
  EXPECT_TRUE(eventually([&] {
    return job_count(node, "work", "CANCELLED") == 1;
  }));
  EXPECT_EQ(skill_stat(node, "work", "queued"), 0);
  EXPECT_EQ(skill_stat(node, "work", "busy"), 1);
  first.signal(SIGKILL);
  EXPECT_TRUE(eventually([&] {
    return job_count(node, "work", "CANCELLED") == 2;
  }));
  EXPECT_TRUE(eventually([&] {
    return !running(child) && !zombie(child);
  }));
  EXPECT_TRUE(stat_becomes(node, "work", "idle", 1));
}

TEST(Pool, SubmitPriorityOptionJumpsTheQueue) {
  temp_file conf{"node.conf", work_conf("workers = 1\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  // The only worker is held until this test lets it go, so both later jobs
  // queue whatever the machine's speed.
  auto busy = submit(node, "work", "hang");
  ASSERT_TRUE(stat_becomes(node, "work", "busy", 1));
  auto low = submit(node, "work", "sleep:60000");
  ASSERT_TRUE(stat_becomes(node, "work", "queued", 1));
  cli_process high{{"submit", "--node", node.address(), "--skill", "work",
                    "--input", "sleep:1", "--priority", "5"}};
  ASSERT_TRUE(stat_becomes(node, "work", "queued", 2));
  // The held job's client goes away: its job is cancelled and its worker
  // replaced. The high-priority job runs next, although the low one came
  // first: its client is done while the low one's job runs for a minute.
  busy.signal(SIGKILL);
  auto h = high.wait();
  EXPECT_EQ(h.exit_code, 0) << h.err;
  EXPECT_TRUE(stat_becomes(node, "work", "busy", 1));
  EXPECT_EQ(skill_stat(node, "work", "queued"), 0);
  low.signal(SIGKILL);
  EXPECT_TRUE(eventually([&] {
    return job_count(node, "work", "CANCELLED") == 2;
  }));
}
