// Process skills through real node processes: the Python example, the
// worker protocol round trip, crashes, hangs and timeouts (no zombies, no
// leaked descriptors), recycling, health checks, start failures, 10,000 jobs
// over four workers, status, metrics and config errors.
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/pool_status.hpp"
#include "tests/support/process_probe.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The node's one worker process, once exactly one runs.
pid_t only_child(const node_process& node) {
  pid_t pid = -1;
  eventually([&] {
    auto kids = children_of(node.pid());
    if (kids.size() != 1)
      return false;
    pid = kids[0];
    return true;
  });
  return pid;
}

// Worker processes of skill `work` the node replaced, all reasons together,
// from troupe_process_restarts_total; -1 when the metrics do not answer.
int64_t process_restarts(uint16_t metrics_port) {
  auto body = http_get(metrics_port, "/metrics");
  if (body.empty())
    return -1;
  int64_t total = 0;
  std::istringstream in{body};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("troupe_process_restarts_total{", 0) == 0
        && contains(line, R"(skill="work")"))
      total += std::atoll(line.c_str() + line.rfind(' ') + 1);
  return total;
}

// `n` lines for `troupe submit --jobs`, each a job of skill `work`.
std::string work_jobs(int n, const std::string& input) {
  std::string lines;
  for (int i = 0; i < n; ++i)
    lines += R"({"skill": "work", "input": ")" + input + "\"}\n";
  return lines;
}

// Records of `submit --json` output with status `status` whose text has
// `what`.
int records_with(const std::string& out, const std::string& status,
                 const std::string& what) {
  int n = 0;
  std::istringstream in{out};
  std::string rec;
  while (std::getline(in, rec))
    if (contains(rec, "\"status\":\"" + status + "\"") && contains(rec, what))
      ++n;
  return n;
}

} // namespace

TEST(ProcessSkill, PythonExampleRoundTrip) {
  // The example's skills.conf points PYTHONPATH at the checkout's python/
  // (the troupe package, with its generated modules).
  node_process node{{"--config", std::string{TROUPE_SOURCE_DIR}
                                   + "/examples/skills/skills.conf"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto up = node.cli({"submit", "--skill", "upper", "--input", "hello, wörld"});
  EXPECT_EQ(up.exit_code, 0) << up.err << node.log();
  EXPECT_EQ(up.out, "HELLO, WÖRLD");
  auto stats = node.cli(
    {"submit", "--skill", "textstats", "--input", "to be or not to be"});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_TRUE(contains(stats.out, R"("words": 6)")) << stats.out;
  EXPECT_TRUE(contains(stats.out, R"(["to", 2])")) << stats.out;
  // Input the skill refuses ends BAD_INPUT with the worker's message.
  temp_file bad{"bad.bin", std::string("\xff\xfe", 2)};
  auto refused
    = node.cli({"submit", "--skill", "upper", "--input-file", bad.path()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "BAD_INPUT: input is not UTF-8 text"))
    << refused.err;
  // What the worker prints goes to the node's log under the skill's name.
  EXPECT_TRUE(contains(node.log(), "skill upper [pid ")) << node.log();
  EXPECT_TRUE(contains(node.log(), "text_worker ready")) << node.log();
}

TEST(ProcessSkill, WorkerGetsItsArgsEnvironmentAndDirectoryOnly) {
  temp_file conf{"node.conf", work_conf(R"(args = ["--flag"]
env = { GREETING = "hi there" }
workdir = "/tmp"
version = "7"
)")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto ask = [&](const std::string& input) {
    return node.cli({"submit", "--skill", "work", "--input", input}).out;
  };
  EXPECT_EQ(ask("env:GREETING"), "hi there");
  EXPECT_EQ(ask("env:TROUPE_SKILL"), "work");
  EXPECT_EQ(ask("env:TROUPE_SKILL_VERSION"), "7");
  EXPECT_EQ(ask("cwd"), "/tmp");
  // Nothing of the node's (its sockets, other workers' pipes) leaks in.
  EXPECT_EQ(ask("fds"), "0,1,2");
  EXPECT_EQ(ask("attempt"), "1");
}

TEST(ProcessSkill, FailuresOfTheSkillReachTheClient) {
  temp_file conf{"node.conf", work_conf("workers = 1\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto failed
    = node.cli({"submit", "--skill", "work", "--input", "fail:disk full"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_TRUE(contains(failed.err, "SKILL_ERROR: disk full")) << failed.err;
  auto bad = node.cli({"submit", "--skill", "work", "--input", "bad:no dice"});
  EXPECT_TRUE(contains(bad.err, "BAD_INPUT: no dice")) << bad.err;
  auto logged = node.cli(
    {"submit", "--skill", "work", "--input", "stderr:a line for the log"});
  EXPECT_EQ(logged.out, "logged");
  EXPECT_TRUE(eventually([&] {
    return contains(node.log(), "skill work [pid ")
           && contains(node.log(), "]: a line for the log");
  }))
    << node.log();
  // A frame that is not a WorkerResponse: the worker is replaced and the
  // job fails naming the problem (the skill is not idempotent by default).
  auto garbage = node.cli({"submit", "--skill", "work", "--input", "garbage"});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_TRUE(contains(garbage.err, "broke the worker protocol"))
    << garbage.err;
  EXPECT_EQ(node.cli({"submit", "--skill", "work", "--input", "next"}).out,
            "next");
}

TEST(ProcessSkill, ChildKilledMidJobFailsThatJobAndThePoolServesTheNext) {
  temp_file conf{"node.conf", work_conf("workers = 1\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  auto child = only_child(node);
  ASSERT_GT(child, 0);
  cli_process job{{"submit", "--node", node.address(), "--skill", "work",
                   "--input", "sleep:30000"}};
  ASSERT_TRUE(stat_becomes(node, "work", "busy", 1));
  ::kill(child, SIGKILL);
  auto res = job.wait();
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "SKILL_ERROR")) << res.err;
  EXPECT_TRUE(contains(res.err, "was killed by signal 9 (SIGKILL)")) << res.err;
  EXPECT_TRUE(contains(res.err, "not retried: skill is not idempotent"))
    << res.err;
  auto next = node.cli({"submit", "--skill", "work", "--input", "again"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(next.out, "again");
  EXPECT_GE(skill_stat(node, "work", "worker_restarts"), 1);
  EXPECT_FALSE(zombie(child));
}

TEST(ProcessSkill, ChildKilledMidJobIsRetriedOnAFreshProcessWhenIdempotent) {
  temp_file conf{"node.conf", work_conf("workers = 1\nidempotent = true\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  auto child = only_child(node);
  cli_process job{{"submit", "--node", node.address(), "--skill", "work",
                   "--input", "sleep1:30000", "--json"}};
  ASSERT_TRUE(stat_becomes(node, "work", "busy", 1));
  ::kill(child, SIGKILL);
  auto res = job.wait();
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.out, R"("output":"slept 30000 on attempt 2")"))
    << res.out;
  EXPECT_TRUE(contains(res.out, R"("attempts":2)")) << res.out;
  auto now = only_child(node);
  EXPECT_NE(now, child);
}

TEST(ProcessSkill, HangingChildTimesOutAndIsGoneWithItsDescriptors) {
  // hang-hard ignores SIGTERM: only the SIGKILL after the grace period ends
  // it.
  temp_file conf{"node.conf", work_conf("workers = 1\nkill-grace = 200ms\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  auto child = only_child(node);
  // The CLI's connections close a moment after it exits: the fewest
  // descriptors seen for a while is the node's own.
  auto baseline = open_fds(node.pid());
  eventually(
    [&] {
      baseline = std::min(baseline, open_fds(node.pid()));
      return false;
    },
    std::chrono::milliseconds(300));
  ASSERT_GT(baseline, 0);
  auto res = node.cli({"submit", "--skill", "work", "--input", "hang-hard",
                       "--timeout", "300ms"});
  EXPECT_EQ(res.exit_code, 4) << res.err;
  EXPECT_TRUE(contains(res.err, "TIMEOUT: skill 'work' did not finish within "
                                "300 ms"))
    << res.err;
  // The child is killed and reaped: neither running nor a zombie.
  EXPECT_TRUE(eventually([&] {
    return !running(child) && !zombie(child);
  }))
    << "worker " << child << " is still there";
  // A fresh worker replaces it, and the node holds as many descriptors as
  // before.
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  EXPECT_NE(only_child(node), child);
  EXPECT_TRUE(eventually([&] {
    return open_fds(node.pid()) <= baseline;
  }))
    << open_fds(node.pid()) << " descriptors, " << baseline << " before";
  EXPECT_EQ(node.cli({"submit", "--skill", "work", "--input", "ok"}).out, "ok");
}

TEST(ProcessSkill, TenThousandJobsOverFourWorkersAreEachAnsweredOnce) {
  temp_file conf{"node.conf", work_conf("workers = 4\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  constexpr int n = 10'000;
  std::string lines;
  for (int i = 1; i <= n; ++i)
    lines += R"({"skill": "work", "input": "job-)" + std::to_string(i)
             + "\"}\n";
  temp_file jobs{"jobs.jsonl", lines};
  auto res = node.cli(
    {"submit", "--jobs", jobs.path(), "--concurrency", "512", "--json"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_TRUE(contains(res.err, "OK 10000")) << res.err;
  // One record per line, each with its own input back.
  std::set<int> seen;
  std::istringstream out{res.out};
  std::string rec;
  int records = 0;
  while (std::getline(out, rec)) {
    ++records;
    auto line = std::atoi(rec.c_str() + rec.find("\"line\":") + 7);
    EXPECT_TRUE(
      contains(rec, "\"output\":\"job-" + std::to_string(line) + "\""))
      << rec;
    seen.insert(line);
  }
  EXPECT_EQ(records, n);
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  EXPECT_EQ(job_count(node, "work", "OK"), n);
  EXPECT_EQ(skill_stat(node, "work", "worker_restarts"), 0);
}

TEST(ProcessSkill, WorkersAreRecycledAfterTheirNumberOfJobs) {
  auto metrics_port = unused_port();
  temp_file conf{"node.conf", work_conf("workers = 1\nrecycle-after = 3\n")};
  node_process node{
    {"--config", conf.path(), "--metrics-port", std::to_string(metrics_port)}};
  ASSERT_TRUE(node.ready()) << node.log();
  std::vector<std::string> pids;
  for (int i = 0; i < 7; ++i)
    pids.push_back(
      node.cli({"submit", "--skill", "work", "--input", "pid"}).out);
  EXPECT_EQ(pids[0], pids[1]);
  EXPECT_EQ(pids[1], pids[2]);
  EXPECT_NE(pids[2], pids[3]);
  EXPECT_EQ(pids[3], pids[5]);
  EXPECT_NE(pids[5], pids[6]);
  EXPECT_EQ(std::set<std::string>(pids.begin(), pids.end()).size(), 3u);
  auto body = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(contains(
    body, R"(troupe_process_restarts_total{reason="recycled",skill="work"} 2)"))
    << body;
}

TEST(ProcessSkill, SilentWorkerIsFoundUnhealthyAndReplaced) {
  auto metrics_port = unused_port();
  temp_file conf{"node.conf",
                 work_conf("workers = 1\nping-interval = 50ms\n"
                           "ping-timeout = 100ms\nkill-grace = 100ms\n")};
  node_process node{
    {"--config", conf.path(), "--metrics-port", std::to_string(metrics_port)}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto first = node.cli({"submit", "--skill", "work", "--input", "pid"}).out;
  // From now on it answers no ping.
  EXPECT_EQ(node.cli({"submit", "--skill", "work", "--input", "mute"}).out,
            "ok");
  EXPECT_TRUE(eventually([&] {
    return contains(
      http_get(metrics_port, "/metrics"),
      R"(troupe_process_restarts_total{reason="unhealthy",skill="work"} 1)");
  }));
  EXPECT_TRUE(contains(node.log(), "did not answer a ping within 100 ms"))
    << node.log();
  auto second = node.cli({"submit", "--skill", "work", "--input", "pid"}).out;
  EXPECT_NE(first, second);
}

TEST(ProcessSkill, WorkerThatCannotStartFailsJobsWithTheReason) {
  temp_file conf{
    "node.conf",
    work_conf("workers = 1\nargs = [\"--exit-at-start\", \"3\"]\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto res = node.cli({"submit", "--skill", "work", "--input", "x"});
  EXPECT_EQ(res.exit_code, 1);
  EXPECT_TRUE(contains(res.err, "SKILL_ERROR: skill 'work' cannot start its "
                                "worker processes"))
    << res.err;
  EXPECT_TRUE(contains(res.err, "exited with code 3")) << res.err;
  // A worker that never answers its first ping does not start either.
  temp_file mute{"mute.conf", work_conf("workers = 1\nargs = [\"--no-pong\"]\n"
                                        "start-timeout = 100ms\n"
                                        "kill-grace = 100ms\n")};
  node_process silent{{"--config", mute.path()}};
  ASSERT_TRUE(silent.ready()) << silent.log();
  auto none = silent.cli({"submit", "--skill", "work", "--input", "x"});
  EXPECT_TRUE(contains(none.err, "did not answer its first ping within 100 ms"))
    << none.err;
}

// Worker programs that never work: each start fails (exits at once, exits
// right after its first pong, writes garbage before its first frame,
// answers its first job with garbage). Starts back off instead of looping,
// and every job ends SKILL_ERROR naming what went wrong, long before its
// deadline.
TEST(ProcessSkill, WorkersThatKeepFailingBackOffAndFailJobsWithTheReason) {
  struct failing {
    std::string args;
    std::string reason;
  };
  std::vector<failing> cases{
    {R"(["--exit-at-start", "3"])", "exited with code 3"},
    {R"(["--exit-after-pong", "5"])", "exited with code 5"},
    {R"(["--garbage-at-start"])", "more than max-frame-bytes"},
    {R"(["--garbage-jobs"])", "broke the worker protocol"},
  };
  constexpr int n = 50;
  temp_file jobs{"jobs.jsonl", work_jobs(n, "x")};
  for (auto& c : cases) {
    SCOPED_TRACE(c.args);
    auto metrics_port = unused_port();
    temp_file conf{"node.conf",
                   work_conf("workers = 1\ntimeout = 20s\nkill-grace = 100ms\n"
                             "args = "
                             + c.args + "\n")};
    node_process node{{"--config", conf.path(), "--metrics-port",
                       std::to_string(metrics_port)}};
    ASSERT_TRUE(node.ready()) << node.log();
    auto res = node.cli(
      {"submit", "--jobs", jobs.path(), "--concurrency", "64", "--json"});
    EXPECT_EQ(records_with(res.out, "SKILL_ERROR", c.reason), n)
      << res.out << res.err;
    // Each failed start is one restart; backing off keeps them few.
    auto restarts = process_restarts(metrics_port);
    EXPECT_GE(restarts, 1);
    EXPECT_LT(restarts, 20) << node.log().substr(0, 20'000);
    // While no worker can start, a new job is answered at once.
    auto one = node.cli({"submit", "--skill", "work", "--input", "y"});
    EXPECT_EQ(one.exit_code, 1);
    EXPECT_TRUE(contains(one.err, "SKILL_ERROR")) << one.err;
    EXPECT_TRUE(contains(one.err, c.reason)) << one.err;
  }
}

// A worker program that cannot start is retried in the background, with
// backoff, so that once it is fixed the skill works again without a restart
// of the node; even in a pool that keeps no worker when idle.
TEST(ProcessSkill, AFixedWorkerProgramIsPickedUpAgain) {
  temp_file fixed{"fixed", ""};
  auto flag = fixed.path() + ".now";
  temp_file script{"worker.sh", "#!/bin/sh\nif [ -e '" + flag
                                  + "' ]; then exec '" + test_worker()
                                  + "'; fi\nexit 3\n"};
  ASSERT_EQ(::chmod(script.path().c_str(), 0755), 0);
  temp_file conf{"node.conf", "[skills.work]\nkind = \"process\"\ncommand = \""
                                + script.path()
                                + "\"\nmin-workers = 0\nmax-workers = 1\n"};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(eventually([&] {
    auto res = node.cli({"submit", "--skill", "work", "--input", "x"});
    return contains(res.err, "SKILL_ERROR: skill 'work' cannot start");
  }))
    << node.log();
  ASSERT_TRUE(std::rename(fixed.path().c_str(), flag.c_str()) == 0);
  // No job needed to find out: the pool keeps trying by itself.
  EXPECT_TRUE(stat_becomes(node, "work", "idle", 1)) << node.log();
  auto res = node.cli({"submit", "--skill", "work", "--input", "back"});
  EXPECT_EQ(res.exit_code, 0) << res.err;
  EXPECT_EQ(res.out, "back");
  ASSERT_TRUE(std::rename(flag.c_str(), fixed.path().c_str()) == 0);
}

// A worker writing to its stderr without pause fills neither the log nor
// the disk: its lines are rate-limited, long ones cut, and the log says how
// many were dropped; its jobs are answered as usual.
TEST(ProcessSkill, AWorkerFloodingItsStderrIsRateLimited) {
  temp_file conf{"node.conf",
                 work_conf("workers = 1\nargs = [\"--flood-stderr\"]\n"
                           "stderr-lines-per-second = 20\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  for (int i = 0; i < 20; ++i) {
    auto res = node.cli(
      {"submit", "--skill", "work", "--input", "job-" + std::to_string(i)});
    ASSERT_EQ(res.exit_code, 0) << res.err;
    EXPECT_EQ(res.out, "job-" + std::to_string(i));
  }
  EXPECT_TRUE(eventually([&] {
    return contains(node.log(), "lines of stderr dropped");
  }));
  auto log = node.log();
  EXPECT_LT(log.size(), 1'000'000u);
  EXPECT_TRUE(contains(log, "skill work [pid ")) << log.substr(0, 5000);
  EXPECT_TRUE(contains(log, "bytes cut)")) << log.substr(0, 5000);
}

TEST(ProcessSkill, StatusAndMetricsShowThePool) {
  auto metrics_port = unused_port();
  temp_file conf{"node.conf", work_conf("min-workers = 1\nmax-workers = 3\n")};
  node_process node{
    {"--config", conf.path(), "--metrics-port", std::to_string(metrics_port)}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 1));
  EXPECT_EQ(node.cli({"submit", "--skill", "work", "--input", "m"}).out, "m");
  auto st = node.cli({"status", "--json"});
  EXPECT_TRUE(
    contains(st.out, R"("min_workers":1,"max_workers":3,"kind":"process")"))
    << st.out;
  auto text = node.cli({"status"});
  EXPECT_TRUE(contains(text.out, "KIND")) << text.out;
  EXPECT_TRUE(contains(text.out, "1/1..3")) << text.out;
  auto body = http_get(metrics_port, "/metrics");
  for (auto* series :
       {R"(troupe_pool_workers{skill="work",state="idle"} 1)",
        R"(troupe_pool_workers{skill="work",state="busy"} 0)",
        R"(troupe_pool_queue_depth{skill="work"} 0)",
        R"(troupe_process_restarts_total{reason="crashed",skill="work"} 0)",
        R"(troupe_pool_queue_wait_seconds_count{skill="work"} 1)",
        R"(troupe_pool_run_seconds_count{skill="work"} 1)"})
    EXPECT_TRUE(contains(body, series)) << series << "\n" << body;
}

TEST(ProcessSkill, StoppingTheNodeStopsItsWorkers) {
  temp_file conf{"node.conf", work_conf("workers = 3\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 3));
  auto kids = children_of(node.pid());
  ASSERT_EQ(kids.size(), 3u);
  auto status = node.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  for (auto pid : kids)
    EXPECT_TRUE(eventually([&] {
      return !running(pid);
    }))
      << pid;
}

TEST(ProcessSkill, WorkersDieWithANodeThatIsKilled) {
  temp_file conf{"node.conf", work_conf("workers = 2\n")};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  ASSERT_TRUE(stat_becomes(node, "work", "idle", 2));
  auto kids = children_of(node.pid());
  ASSERT_EQ(kids.size(), 2u);
  // No chance to stop them: they get SIGKILL from the kernel instead.
  node.stop(SIGKILL);
  for (auto pid : kids)
    EXPECT_TRUE(eventually([&] {
      return !running(pid);
    }))
      << pid;
}

TEST(ProcessSkillConfig, BadValuesStopTheNodeNamingFileAndKey) {
  struct bad_case {
    std::string section;
    std::string expect;
  };
  std::vector<bad_case> cases{
    {"[skills.p]\nkind = \"proc\"\n",
     "skills.p.kind: expected \"native\" or \"process\""},
    {"[skills.p]\nkind = \"process\"\n", "skills.p.command: missing"},
    {"[skills.p]\nkind = \"process\"\ncommand = \"no-such-program-xyz\"\n",
     "skills.p.command: command 'no-such-program-xyz' was not found on PATH"},
    {"[skills.p]\nkind = \"process\"\ncommand = \"/etc\"\n", "is a directory"},
    {work_conf("workdir = \"/no/such/dir\"\n"),
     "skills.work.workdir: expected an existing directory"},
    {work_conf("workers = 2\nmax-workers = 4\n"),
     "skills.work.workers: set either workers"},
    {work_conf("min-workers = 5\nmax-workers = 4\n"),
     "skills.work.min-workers: must not exceed max-workers (4)"},
    {work_conf("args = \"--flag\"\n"), "skills.work.args: expected a list"},
    {work_conf("env = { A = 1 }\n"), "skills.work.env.A: expected a quoted"},
    {work_conf("recycle-after = -1\n"), "skills.work.recycle-after"},
    {work_conf("kill-grace = 5\n"), "skills.work.kill-grace"},
    {work_conf("max-frame-bytes = \"2GiB\"\n"), "skills.work.max-frame-bytes"},
    {work_conf("ping-interval = 1ms\n"), "skills.work.ping-interval"},
    {work_conf("stderr-lines-per-second = 0\n"),
     "skills.work.stderr-lines-per-second"},
    {"[skills.sha256]\ncommand = \"/bin/true\"\n",
     "skills.sha256.command: only process skills have this key"},
    {"[skills.echo]\nkind = \"process\"\ncommand = \"/bin/true\"\n",
     "'echo' is a built-in skill"},
    {"[skills.mine]\nworkers = 2\n", "kind = \"process\" defines a process"},
  };
  for (auto& c : cases) {
    temp_file conf{"node.conf", c.section};
    auto res = run_troupe({"node", "--port", "0", "--config", conf.path()});
    EXPECT_EQ(res.exit_code, 2) << c.section;
    EXPECT_TRUE(contains(res.err, conf.path())) << res.err;
    EXPECT_TRUE(contains(res.err, c.expect))
      << "expected '" << c.expect << "' in: " << res.err;
  }
}
