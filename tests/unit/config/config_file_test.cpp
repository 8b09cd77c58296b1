// The config file: CAF's INI dialect read into a tree, then every key
// checked by troupe (CAF 0.17 itself keeps defaults for wrongly typed values
// without a word).
#include "actors/pool/worker_pool.hpp"
#include "actors/skills/breaker_policy.hpp"
#include "actors/skills/cache_policy.hpp"
#include "actors/skills/retry_policy.hpp"
#include "config/config_file.hpp"
#include "config/config_reader.hpp"
#include "messages/errors.hpp"
#include "node/spawn/skill_setup.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>

namespace {

using namespace std::chrono_literals;
using troupe::message_of;
using troupe::config::config_reader;
using troupe::config::file_config;

caf::expected<troupe::config::file_config> load(const std::string& text) {
  auto tree = troupe::config::parse_config_text(text, "t.conf");
  if (!tree)
    return tree.error();
  return troupe::config::read_file_config(*tree, "t.conf");
}

// The problems reported for `text`, or "" when it loads.
std::string problems(const std::string& text) {
  auto cfg = load(text);
  return cfg ? std::string{} : message_of(cfg.error());
}

bool mentions(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(ConfigFile, EmptyFileKeepsDefaults) {
  auto cfg = load("");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  EXPECT_EQ(cfg->node.port, 4710);
  EXPECT_EQ(cfg->node.workers, 4u);
  EXPECT_TRUE(cfg->skills.empty());
}

TEST(ConfigFile, ReadsTheNodeSection) {
  auto cfg = load(R"([node]
host = "0.0.0.0"
port = 5000
name = "alpha"
log-level = "debug"
log-format = "json"
metrics-port = 9464
metrics-host = "0.0.0.0"
test-skills = true
max-job-bytes = "1MiB"
workers = 8
queue-capacity = 50
default-timeout = 1500ms
threads = 2
scheduler = "stealing"
)");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  auto& n = cfg->node;
  EXPECT_EQ(n.host, "0.0.0.0");
  EXPECT_EQ(n.port, 5000);
  EXPECT_EQ(n.name, "alpha");
  EXPECT_EQ(n.log_level, "debug");
  EXPECT_EQ(n.log_format, "json");
  EXPECT_EQ(n.metrics_host, "0.0.0.0");
  EXPECT_EQ(n.metrics_port, 9464);
  EXPECT_TRUE(n.test_skills);
  EXPECT_EQ(n.max_job_bytes, 1024u * 1024);
  EXPECT_EQ(n.workers, 8u);
  EXPECT_EQ(n.queue_capacity, 50u);
  EXPECT_EQ(n.default_timeout, caf::timespan{1500ms});
  EXPECT_EQ(n.threads, 2u);
  EXPECT_EQ(n.scheduler, "stealing");
}

TEST(ConfigFile, ReadsTheClusterSection) {
  auto cfg = load(R"([cluster]
seeds = ["10.0.0.1:4710", "host-b:4711"]
heartbeat-interval = 100ms
down-after = 1s
forget-after = 30s
join-timeout = 5s
link-max-count = 1
link-max-bytes = "64KiB"
link-max-linger = 0ms
link-reply-poll = 250us
tls-cert = "pki/alpha.pem"
tls-key = "/etc/troupe/alpha.key"
tls-ca = "pki/ca.pem"
deny-serials = ["1A2B", "ff:00"]
)");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  auto& c = cfg->node.cluster;
  // Relative paths are relative to the file's folder ("t.conf": the
  // working directory).
  auto here = std::filesystem::absolute(".").parent_path();
  EXPECT_EQ(c.tls_cert, (here / "pki/alpha.pem").string());
  EXPECT_EQ(c.tls_key, "/etc/troupe/alpha.key");
  EXPECT_EQ(c.tls_ca, (here / "pki/ca.pem").string());
  EXPECT_EQ(c.deny_serials, (std::vector<std::string>{"1A2B", "ff:00"}));
  EXPECT_EQ(c.seeds,
            (std::vector<std::string>{"10.0.0.1:4710", "host-b:4711"}));
  EXPECT_EQ(c.heartbeat_interval, caf::timespan{100ms});
  EXPECT_EQ(c.down_after, caf::timespan{1s});
  EXPECT_EQ(c.forget_after, caf::timespan{30s});
  EXPECT_EQ(c.join_timeout, caf::timespan{5s});
  EXPECT_EQ(c.link_max_count, 1u);
  EXPECT_EQ(c.link_max_bytes, 64u * 1024);
  EXPECT_EQ(c.link_max_linger, caf::timespan{0});
  EXPECT_EQ(c.link_reply_poll, caf::timespan{250us});
}

TEST(ConfigFile, BadClusterValuesAreRefused) {
  EXPECT_TRUE(mentions(problems("[cluster]\nseeds = [\"nohost\"]\n"),
                       "cluster.seeds: expected HOST:PORT"));
  EXPECT_TRUE(mentions(problems("[cluster]\nseeds = \"a:1\"\n"),
                       "cluster.seeds: expected a list"));
  EXPECT_TRUE(mentions(problems("[cluster]\nheartbeat-interval = 1ms\n"),
                       "cluster.heartbeat-interval"));
  EXPECT_TRUE(
    mentions(problems("[cluster]\nheartbeat-interval = 1s\ndown-after = 1s\n"),
             "cluster.down-after: must be at least twice"));
  EXPECT_TRUE(mentions(problems("[cluster]\nlink-max-count = 0\n"),
                       "cluster.link-max-count"));
  EXPECT_TRUE(mentions(problems("[cluster]\nlink-reply-poll = 1s\n"),
                       "cluster.link-reply-poll"));
  EXPECT_TRUE(
    mentions(problems("[cluster]\nseed = []\n"), "cluster.seed: unknown key"));
  EXPECT_TRUE(mentions(problems("[cluster]\ndeny-serials = [\"xyz\"]\n"),
                       "cluster.deny-serials: expected hex serials"));
}

TEST(ConfigFile, ParsesJoinSeeds) {
  auto seeds = troupe::config::parse_seeds("a:1,127.0.0.1:4710");
  ASSERT_TRUE(seeds);
  EXPECT_EQ(*seeds, (std::vector<std::string>{"a:1", "127.0.0.1:4710"}));
  EXPECT_FALSE(troupe::config::parse_seeds("a:1,"));
  EXPECT_FALSE(troupe::config::parse_seeds("a:0"));
  EXPECT_FALSE(troupe::config::parse_seeds(":80"));
}

TEST(ConfigFile, ReadsSkillSectionsInEitherSyntax) {
  auto cfg = load(R"([skills.sha256]
workers = 2
timeout = 2s
idempotent = false
max-attempts = 3
version = "7"

[skills]
wordcount = { queue-capacity = 5, description = "counts" }
)");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  ASSERT_EQ(cfg->skills.size(), 2u);
  auto& sha = cfg->skills[0];
  EXPECT_EQ(sha.name, "sha256");
  EXPECT_EQ(sha.workers, 2u);
  EXPECT_EQ(sha.timeout, caf::timespan{2s});
  EXPECT_EQ(sha.idempotent, false);
  EXPECT_EQ(sha.max_attempts, 3u);
  EXPECT_EQ(sha.version, "7");
  EXPECT_FALSE(sha.queue_capacity);
  auto& wc = cfg->skills[1];
  EXPECT_EQ(wc.name, "wordcount");
  EXPECT_EQ(wc.queue_capacity, 5u);
  EXPECT_EQ(wc.description, "counts");
  EXPECT_FALSE(wc.workers);
}

TEST(ConfigFile, WrongTypeNamesFileKeyAndExpectation) {
  auto p = problems("[node]\nport = \"abc\"\n");
  EXPECT_TRUE(mentions(p, "t.conf: node.port: expected a whole number in "
                          "0..65535, got \"abc\""))
    << p;
}

TEST(ConfigFile, OutOfRangeNumbersAreRefused) {
  EXPECT_TRUE(mentions(problems("[node]\nport = 70000\n"), "node.port"));
  EXPECT_TRUE(mentions(problems("[node]\nworkers = 0\n"), "node.workers"));
  EXPECT_TRUE(mentions(problems("[node]\nworkers = -3\n"), "got -3"));
  EXPECT_TRUE(mentions(problems("[skills.echo]\nmax-attempts = 1000\n"),
                       "skills.echo.max-attempts"));
}

TEST(ConfigFile, DurationsNeedAUnit) {
  auto p = problems("[node]\ndefault-timeout = 10\n");
  EXPECT_TRUE(mentions(p, "node.default-timeout: expected a duration")) << p;
  p = problems("[node]\ndefault-timeout = \"soon\"\n");
  EXPECT_TRUE(mentions(p, "node.default-timeout: 'soon' is not a duration"))
    << p;
  EXPECT_TRUE(mentions(p, "in 1ms..8760h")) << p;
  EXPECT_TRUE(problems("[node]\ndefault-timeout = \"1.5s\"\n").empty());
  // A quoted bare number was read as milliseconds: "30" gave 30 ms.
  p = problems("[node]\ndefault-timeout = \"30\"\n");
  EXPECT_TRUE(mentions(p, "node.default-timeout: expected a duration with a "
                          "unit such as 500ms or 10s, got \"30\""))
    << p;
}

TEST(ConfigFile, SizesTakeNumbersOrUnits) {
  auto cfg = load("[node]\nmax-job-bytes = 4096\n");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->node.max_job_bytes, 4096u);
  EXPECT_TRUE(mentions(problems("[node]\nmax-job-bytes = \"lots\"\n"),
                       "node.max-job-bytes: 'lots' is not a size"));
  EXPECT_TRUE(mentions(problems("[node]\nmax-job-bytes = \"2GiB\"\n"),
                       "node.max-job-bytes"));
}

TEST(ConfigFile, BadEnumeratedValuesAreRefused) {
  EXPECT_TRUE(
    mentions(problems("[node]\nlog-level = \"loud\"\n"), "node.log-level"));
  EXPECT_TRUE(mentions(problems("[node]\nlog-format = \"xml\"\n"),
                       "node.log-format: expected \"text\" or \"json\", "
                       "got \"xml\""));
  EXPECT_TRUE(
    mentions(problems("[node]\nscheduler = \"fifo\"\n"), "node.scheduler"));
  EXPECT_TRUE(mentions(problems("[node]\ntest-skills = \"yes\"\n"),
                       "expected true or false"));
  EXPECT_TRUE(mentions(problems("[node]\nmetrics-host = \"\"\n"),
                       "node.metrics-host: expected an address"));
}

TEST(ConfigFile, UnknownKeysAndSectionsAreRefused) {
  EXPECT_TRUE(
    mentions(problems("[node]\nworkerz = 3\n"), "node.workerz: unknown key"));
  EXPECT_TRUE(mentions(problems("[nodes]\nport = 3\n"), "nodes: unknown key"));
  EXPECT_TRUE(mentions(problems("[skills.echo]\nworker = 3\n"),
                       "skills.echo.worker: unknown key"));
}

TEST(ConfigFile, SectionWhereAValueIsExpectedIsRefused) {
  EXPECT_TRUE(mentions(problems("[node]\nport = { a = 1 }\n"), "node.port"));
  EXPECT_TRUE(mentions(problems("[skills]\necho = 3\n"),
                       "skills.echo: expected a section"));
}

TEST(ConfigFile, ReportsEveryProblemAtOnce) {
  auto p = problems("[node]\nport = \"x\"\nworkers = 0\nbogus = 1\n");
  EXPECT_TRUE(mentions(p, "node.port")) << p;
  EXPECT_TRUE(mentions(p, "node.workers")) << p;
  EXPECT_TRUE(mentions(p, "node.bogus")) << p;
}

TEST(ConfigFile, SyntaxErrorNamesTheLine) {
  auto tree = troupe::config::parse_config_text(
    "[node]\nport = 4x\nhost = \"a\"\n", "t.conf");
  ASSERT_FALSE(tree);
  EXPECT_TRUE(mentions(message_of(tree.error()), "t.conf:2: syntax error"))
    << message_of(tree.error());
}

TEST(ConfigFile, MissingFileIsAClearError) {
  auto cfg = troupe::config::load_config_file("/nonexistent/troupe.conf");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(message_of(cfg.error()),
            "/nonexistent/troupe.conf: cannot read the config file (No such "
            "file or directory)");
}

// The example documents every key with its default: it must load, and its
// [node] section must match the built-in defaults it claims.
TEST(ConfigFile, ShippedExampleLoadsAndShowsTheDefaults) {
  auto cfg = troupe::config::load_config_file(std::string{TROUPE_SOURCE_DIR}
                                              + "/config/troupe.conf.example");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  troupe::config::node_config defaults;
  EXPECT_EQ(cfg->node.host, defaults.host);
  EXPECT_EQ(cfg->node.port, defaults.port);
  EXPECT_EQ(cfg->node.workers, defaults.workers);
  EXPECT_EQ(cfg->node.queue_capacity, defaults.queue_capacity);
  EXPECT_EQ(cfg->node.max_job_bytes, defaults.max_job_bytes);
  EXPECT_EQ(cfg->node.default_timeout, defaults.default_timeout);
  EXPECT_EQ(cfg->node.threads, defaults.threads);
  EXPECT_EQ(cfg->node.scheduler, defaults.scheduler);
  EXPECT_EQ(cfg->node.log_format, defaults.log_format);
  EXPECT_EQ(cfg->node.cache.shards, defaults.cache.shards);
  EXPECT_EQ(cfg->node.cache.budget, defaults.cache.budget);
  EXPECT_EQ(cfg->node.cache.admission, defaults.cache.admission);
  EXPECT_DOUBLE_EQ(cfg->node.cache.refresh_rate, defaults.cache.refresh_rate);
  EXPECT_TRUE(cfg->node.cache.preload_jobs.empty());
  ASSERT_FALSE(cfg->skills.empty());
  troupe::skills::cache_policy policy;
  EXPECT_EQ(cfg->skills[0].cache, true);
  EXPECT_EQ(cfg->skills[0].cache_ttl, policy.ttl);
  EXPECT_EQ(cfg->skills[0].cache_max_entry_bytes, policy.max_entry_bytes);
  EXPECT_EQ(cfg->skills[0].cache_failures, policy.negative);
  EXPECT_EQ(cfg->node.max_in_flight, defaults.max_in_flight);
  EXPECT_EQ(cfg->node.drain_timeout, defaults.drain_timeout);
  auto& sup = cfg->node.supervision;
  EXPECT_EQ(sup.max_restarts, defaults.supervision.max_restarts);
  EXPECT_EQ(sup.restart_period, defaults.supervision.restart_period);
  EXPECT_EQ(sup.backoff_initial, defaults.supervision.backoff_initial);
  EXPECT_EQ(sup.backoff_max, defaults.supervision.backoff_max);
  EXPECT_DOUBLE_EQ(sup.backoff_jitter, defaults.supervision.backoff_jitter);
  EXPECT_EQ(sup.shutdown_timeout, defaults.supervision.shutdown_timeout);
  auto& health = cfg->node.health;
  EXPECT_EQ(health.interval, defaults.health.interval);
  EXPECT_EQ(health.poll_timeout, defaults.health.poll_timeout);
  EXPECT_EQ(health.window, defaults.health.window);
  EXPECT_DOUBLE_EQ(health.error_rate_warning,
                   defaults.health.error_rate_warning);
  EXPECT_DOUBLE_EQ(health.error_rate_critical,
                   defaults.health.error_rate_critical);
  EXPECT_EQ(health.min_jobs, defaults.health.min_jobs);
  EXPECT_DOUBLE_EQ(health.queue_warning, defaults.health.queue_warning);
  EXPECT_DOUBLE_EQ(health.queue_critical, defaults.health.queue_critical);
  EXPECT_EQ(health.restarts_warning, defaults.health.restarts_warning);
  EXPECT_EQ(health.restarts_critical, defaults.health.restarts_critical);
  EXPECT_EQ(health.mailbox_warning, defaults.health.mailbox_warning);
  EXPECT_EQ(health.mailbox_critical, defaults.health.mailbox_critical);
  troupe::pool::worker_pool_config pool;
  EXPECT_EQ(cfg->skills[0].idle_timeout, pool.idle_timeout);
  EXPECT_EQ(cfg->skills[0].priority_aging, pool.priority_aging);
  // The process skill's keys show the defaults of process_options.
  auto up_at = std::find_if(cfg->skills.begin(), cfg->skills.end(),
                            [](auto& sc) {
                              return sc.name == "upper";
                            });
  ASSERT_NE(up_at, cfg->skills.end());
  auto& up = *up_at;
  EXPECT_TRUE(up.is_process());
  troupe::skills::process_options po;
  EXPECT_EQ(up.recycle_after, po.recycle_after);
  EXPECT_EQ(up.start_timeout, po.start_timeout);
  EXPECT_EQ(up.ping_interval, po.ping_interval);
  EXPECT_EQ(up.ping_timeout, po.ping_timeout);
  EXPECT_EQ(up.kill_grace, po.kill_grace);
  EXPECT_EQ(up.max_frame_bytes, po.max_frame_bytes);
  EXPECT_EQ(up.stderr_lines_per_second, po.stderr_lines_per_second);
  // Its paths are resolved against the file's directory.
  EXPECT_EQ(up.workdir, std::string{TROUPE_SOURCE_DIR} + "/examples/skills");
  // The breaker and retry keys, shown on a skill that may use them.
  troupe::skills::breaker_policy breaker;
  troupe::skills::retry_policy retry;
  bool found = false;
  for (auto& sc : cfg->skills) {
    if (!sc.breaker_failure_rate)
      continue;
    found = true;
    EXPECT_EQ(sc.breaker_window, "count");
    EXPECT_EQ(sc.breaker_window_calls, breaker.window_calls);
    EXPECT_EQ(sc.breaker_minimum_calls, breaker.minimum_calls);
    EXPECT_EQ(sc.breaker_failure_rate, breaker.failure_rate);
    EXPECT_EQ(sc.breaker_slow_call_rate, breaker.slow_call_rate);
    EXPECT_EQ(sc.breaker_slow_call_duration, breaker.slow_call_duration);
    EXPECT_EQ(sc.breaker_open_wait, breaker.open_wait);
    EXPECT_EQ(sc.breaker_open_wait_multiplier, breaker.open_wait_multiplier);
    EXPECT_EQ(sc.breaker_open_wait_max, breaker.open_wait_max);
    EXPECT_EQ(sc.breaker_half_open_calls, breaker.half_open_calls);
    EXPECT_EQ(sc.breaker_failure_statuses, breaker.failure_statuses);
    EXPECT_EQ(sc.retry_backoff, retry.backoff);
    EXPECT_EQ(sc.retry_backoff_max, retry.backoff_max);
  }
  EXPECT_TRUE(found) << "the example shows the breaker keys";
}

TEST(ConfigFile, ReadsAProcessSkillSection) {
  auto cfg = load(std::string{R"([skills.work]
kind = "process"
command = ")"} + TROUPE_TEST_WORKER
                  + R"("
args = ["-x", "two words"]
env = { A = "1", B = "two" }
workdir = "/tmp"
min-workers = 0
max-workers = 6
idle-timeout = 2s
priority-aging = 250ms
recycle-after = 100
start-timeout = 3s
ping-interval = 1s
ping-timeout = 500ms
kill-grace = 0s
max-frame-bytes = "1MiB"
stderr-lines-per-second = 5
)");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  auto& sc = cfg->skills.at(0);
  EXPECT_EQ(sc.command, std::string{TROUPE_TEST_WORKER});
  EXPECT_EQ(sc.args, (std::vector<std::string>{"-x", "two words"}));
  EXPECT_EQ(sc.env->at("B"), "two");
  EXPECT_EQ(sc.workdir, "/tmp");
  EXPECT_EQ(sc.min_workers, 0u);
  EXPECT_EQ(sc.max_workers, 6u);
  EXPECT_EQ(sc.idle_timeout, caf::timespan{2s});
  EXPECT_EQ(sc.priority_aging, caf::timespan{250ms});
  EXPECT_EQ(sc.recycle_after, 100u);
  EXPECT_EQ(sc.kill_grace, caf::timespan{0});
  EXPECT_EQ(sc.max_frame_bytes, 1u << 20);
  auto cat = troupe::node::make_node_catalog(cfg->node, cfg->skills, "t.conf");
  ASSERT_TRUE(cat) << message_of(cat.error());
  auto def = cat->find("work");
  ASSERT_TRUE(def);
  EXPECT_EQ(def->kind, troupe::skills::skill_kind::process);
  EXPECT_FALSE(def->idempotent); // process skills opt in
  EXPECT_EQ(def->process.args.size(), 2u);
  EXPECT_EQ(def->process.stderr_lines_per_second, 5u);
  EXPECT_EQ(def->min_workers, 0u);
  auto pc = troupe::pool::make_pool_config(*def, cfg->node);
  EXPECT_EQ(pc.min_workers, 0u);
  EXPECT_EQ(pc.max_workers, 6u);
  EXPECT_EQ(pc.idle_timeout, caf::timespan{2s});
}

TEST(ConfigFile, ProcessKeysAndWorkerRangesAreChecked) {
  auto p = problems("[skills.sha256]\nrecycle-after = 5\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.recycle-after: only process skills"))
    << p;
  EXPECT_FALSE(mentions(p, "unknown key")) << p;
  p = problems("[skills.sha256]\nkind = 3\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.kind")) << p;
  p = problems("[skills.sha256]\nmin-workers = 3\nmax-workers = 2\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.min-workers: must not exceed")) << p;
  p = problems("[skills.sha256]\nworkers = 3\nmin-workers = 2\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.workers: set either")) << p;
  p = problems("[skills.sha256]\nmax-workers = 0\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.max-workers")) << p;
  p = problems("[skills.sha256]\nidle-timeout = 0s\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.idle-timeout")) << p;
  p = problems("[skills.sha256]\npriority-aging = 10\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.priority-aging")) << p;
  p = problems("[skills.p]\nkind = \"process\"\ncommand = \"/bin/sh\"\n"
               "start-timeout = 0s\n");
  EXPECT_TRUE(mentions(p, "skills.p.start-timeout")) << p;
  p = problems("[skills.p]\nkind = \"process\"\ncommand = \"/bin/sh\"\n"
               "stderr-lines-per-second = 0\n");
  EXPECT_TRUE(mentions(p, "skills.p.stderr-lines-per-second")) << p;
  p = problems("[skills.p]\nkind = \"process\"\ncommand = \"./nope\"\n");
  EXPECT_TRUE(mentions(p, "skills.p.command: command './nope' cannot be run"))
    << p;
  p = problems("[node]\nmax-in-flight = 0\n");
  EXPECT_TRUE(mentions(p, "node.max-in-flight")) << p;
}

TEST(ConfigFile, ElasticPoolsFromSkillSettings) {
  troupe::config::node_config node;
  troupe::skills::skill_definition def;
  auto pc = troupe::pool::make_pool_config(def, node);
  EXPECT_EQ(pc.min_workers, node.workers); // fixed, the node's size
  EXPECT_EQ(pc.max_workers, node.workers);
  def.max_workers = 8;
  pc = troupe::pool::make_pool_config(def, node);
  EXPECT_EQ(pc.min_workers, 1u); // elastic from 1 unless set
  EXPECT_EQ(pc.max_workers, 8u);
  def.min_workers = 3;
  def.max_workers = 0;
  pc = troupe::pool::make_pool_config(def, node);
  EXPECT_EQ(pc.min_workers, 3u);
  EXPECT_EQ(pc.max_workers, node.workers);
  def.start_full = true;
  def.max_workers = 8;
  pc = troupe::pool::make_pool_config(def, node);
  EXPECT_EQ(pc.min_workers, 8u); // preloaded skills stay at full size
}

TEST(ConfigReader, ListsAndMapsOfStrings) {
  auto tree = troupe::config::parse_config_text(
    "[s]\nargs = [\"a\", \"b\"]\nenv = { X = \"1\" }\nbad = [\"a\", 2]\n",
    "t.conf");
  ASSERT_TRUE(tree);
  troupe::config::config_reader root{"t.conf", *tree};
  auto s = root.section("s");
  ASSERT_TRUE(s);
  std::vector<std::string> args;
  EXPECT_TRUE(s->read("args", args));
  EXPECT_EQ(args, (std::vector<std::string>{"a", "b"}));
  std::map<std::string, std::string> env;
  EXPECT_TRUE(s->read("env", env));
  EXPECT_EQ(env.at("X"), "1");
  std::vector<std::string> bad;
  EXPECT_FALSE(s->read("bad", bad));
  auto err = root.finish();
  ASSERT_TRUE(err);
  EXPECT_TRUE(mentions(message_of(err), "s.bad: expected a list of quoted "
                                        "strings, but element 2 is 2"))
    << message_of(err);
}

TEST(ConfigReader, NumbersAndAbsentKeysLeaveDefaults) {
  auto tree = troupe::config::parse_config_text("[s]\nratio = 0.25\nn = 3\n",
                                                "t.conf");
  ASSERT_TRUE(tree);
  troupe::config::config_reader root{"t.conf", *tree};
  auto r = root.section("s");
  ASSERT_TRUE(r);
  double ratio = 0;
  EXPECT_TRUE(r->read("ratio", ratio, 0.0, 1.0));
  EXPECT_DOUBLE_EQ(ratio, 0.25);
  uint32_t n = 9;
  EXPECT_TRUE(r->read("n", n, 1u, 5u));
  EXPECT_EQ(n, 3u);
  uint32_t absent = 9;
  EXPECT_FALSE(r->read("absent", absent));
  EXPECT_EQ(absent, 9u);
  EXPECT_FALSE(root.finish());
}

TEST(ConfigFile, KeysBeforeAnySectionAreRefused) {
  auto p = problems("port = 4711\n[node]\n");
  EXPECT_TRUE(mentions(p, "port: keys must follow a section header")) << p;
}

} // namespace

// -- the result cache ---------------------------------------------------------

TEST(ConfigFile, ReadsTheCacheSection) {
  auto cfg = load(R"([cache]
shards = 4
budget = "256MiB"
admission = false
refresh-rate = 2.5
preload-skills = ["sha256"]
preload-jobs = [{ skill = "sha256", input = "abc" }, { skill = "wordcount" }]
)");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  auto& c = cfg->node.cache;
  EXPECT_EQ(c.shards, 4u);
  EXPECT_EQ(c.budget, 256u << 20);
  EXPECT_FALSE(c.admission);
  EXPECT_DOUBLE_EQ(c.refresh_rate, 2.5);
  EXPECT_EQ(c.preload_skills, std::vector<std::string>{"sha256"});
  ASSERT_EQ(c.preload_jobs.size(), 2u);
  EXPECT_EQ(c.preload_jobs[0].skill, "sha256");
  EXPECT_EQ(c.preload_jobs[0].input, "abc");
  EXPECT_EQ(c.preload_jobs[1].skill, "wordcount");
  EXPECT_EQ(c.preload_jobs[1].input, "");
}

TEST(ConfigFile, CacheDefaults) {
  auto cfg = load("");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->node.cache.shards, 2u);
  EXPECT_EQ(cfg->node.cache.budget, 64u << 20);
  EXPECT_TRUE(cfg->node.cache.admission);
  EXPECT_TRUE(cfg->node.cache.preload_jobs.empty());
}

TEST(ConfigFile, BadCacheValuesAreRefused) {
  auto p = problems("[cache]\nshards = 1000\n");
  EXPECT_TRUE(mentions(p, "t.conf")) << p;
  EXPECT_TRUE(mentions(p, "cache.shards")) << p;
  p = problems("[cache]\nshards = \"two\"\n");
  EXPECT_TRUE(mentions(p, "cache.shards")) << p;
  p = problems("[cache]\nbudget = \"lots\"\n");
  EXPECT_TRUE(mentions(p, "cache.budget")) << p;
  p = problems("[cache]\nbudget = 10\n");
  EXPECT_TRUE(mentions(p, "cache.budget")) << p;
  p = problems("[cache]\nadmission = \"yes\"\n");
  EXPECT_TRUE(mentions(p, "cache.admission")) << p;
  p = problems("[cache]\nrefresh-rate = -1.0\n");
  EXPECT_TRUE(mentions(p, "cache.refresh-rate")) << p;
  p = problems("[cache]\npreload-skills = \"sha256\"\n");
  EXPECT_TRUE(mentions(p, "cache.preload-skills")) << p;
  p = problems("[cache]\nlimit = 3\n");
  EXPECT_TRUE(mentions(p, "cache.limit")) << p;
}

TEST(ConfigFile, BadPreloadJobsAreRefused) {
  auto p = problems("[cache]\npreload-jobs = [\"sha256\"]\n");
  EXPECT_TRUE(mentions(p, "cache.preload-jobs[1]")) << p;
  p = problems("[cache]\npreload-jobs = [{ input = \"x\" }]\n");
  EXPECT_TRUE(mentions(p, "cache.preload-jobs[1]")) << p;
  EXPECT_TRUE(mentions(p, "names no skill")) << p;
  p = problems("[cache]\npreload-jobs = [{ skill = \"a\", inptu = \"x\" }]\n");
  EXPECT_TRUE(mentions(p, "inptu")) << p;
  p = problems("[cache]\npreload-jobs = [{ skill = \"a\", input = 3 }]\n");
  EXPECT_TRUE(mentions(p, "cache.preload-jobs[1].input")) << p;
}

TEST(ConfigFile, ReadsSkillCacheKeys) {
  auto cfg = load(R"([skills.sha256]
cache = false
cache-ttl = 30s
cache-max-entry-bytes = "4KiB"
cache-failures = true
)");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  ASSERT_EQ(cfg->skills.size(), 1u);
  auto& sc = cfg->skills[0];
  EXPECT_EQ(sc.cache, false);
  EXPECT_EQ(sc.cache_ttl, caf::timespan{30s});
  EXPECT_EQ(sc.cache_max_entry_bytes, 4096u);
  EXPECT_EQ(sc.cache_failures, true);
}

TEST(ConfigFile, BadSkillCacheKeysAreRefused) {
  auto p = problems("[skills.sha256]\ncache = 1\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.cache")) << p;
  p = problems("[skills.sha256]\ncache-ttl = 30\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.cache-ttl")) << p;
  p = problems("[skills.sha256]\ncache-ttl = 0s\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.cache-ttl")) << p;
  p = problems("[skills.sha256]\ncache-max-entry-bytes = \"big\"\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.cache-max-entry-bytes")) << p;
  p = problems("[skills.sha256]\ncache-failures = \"no\"\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.cache-failures")) << p;
}

// The skills a node builds from a config file, with cache policies.
caf::expected<troupe::skills::skill_catalog>
catalog_of(const std::string& text) {
  auto cfg = load(text);
  if (!cfg)
    return cfg.error();
  return troupe::node::make_node_catalog(cfg->node, cfg->skills, "t.conf");
}

TEST(ConfigFile, BuiltinCachePoliciesAndOverrides) {
  auto cat = catalog_of("[node]\ntest-skills = true\n");
  ASSERT_TRUE(cat) << message_of(cat.error());
  // Pure functions are cached; test skills and echo/sleep are not.
  EXPECT_TRUE(cat->find("sha256")->cache.enabled);
  EXPECT_TRUE(cat->find("wordcount")->cache.enabled);
  for (auto name : {"echo", "sleep", "fail", "flaky", "slow", "crash", "record",
                    "record-idem"})
    EXPECT_FALSE(cat->find(name)->cache.enabled) << name;
  EXPECT_FALSE(cat->find("sha256")->cache.negative);
  cat = catalog_of(R"([skills.sha256]
cache = false
[skills.echo]
cache = true
cache-ttl = 5s
cache-failures = true
)");
  ASSERT_TRUE(cat) << message_of(cat.error());
  EXPECT_FALSE(cat->find("sha256")->cache.enabled);
  EXPECT_TRUE(cat->find("echo")->cache.enabled);
  EXPECT_EQ(cat->find("echo")->cache.ttl, caf::timespan{5s});
  EXPECT_TRUE(cat->find("echo")->cache.negative);
}

TEST(ConfigFile, PreloadMarksSkillsAndChecksJobs) {
  auto cat = catalog_of(R"([cache]
preload-skills = ["wordcount"]
preload-jobs = [{ skill = "sha256", input = "abc" }]
)");
  ASSERT_TRUE(cat) << message_of(cat.error());
  EXPECT_TRUE(cat->find("wordcount")->start_full);
  EXPECT_FALSE(cat->find("sha256")->start_full);
  auto err = catalog_of("[cache]\npreload-skills = [\"nope\"]\n");
  ASSERT_FALSE(err);
  auto p = message_of(err.error());
  EXPECT_TRUE(mentions(p, "cache.preload-skills")) << p;
  EXPECT_TRUE(mentions(p, "'nope'")) << p;
  err = catalog_of("[cache]\npreload-jobs = [{ skill = \"nope\" }]\n");
  ASSERT_FALSE(err);
  EXPECT_TRUE(mentions(message_of(err.error()), "cache.preload-jobs[1]"));
  // Preloading a skill that does not cache would be wasted work.
  err = catalog_of("[cache]\npreload-jobs = [{ skill = \"echo\" }]\n");
  ASSERT_FALSE(err);
  p = message_of(err.error());
  EXPECT_TRUE(mentions(p, "does not cache")) << p;
  err = catalog_of(
    "[cache]\nshards = 0\npreload-jobs = [{ skill = \"sha256\" }]\n");
  ASSERT_FALSE(err);
  EXPECT_TRUE(mentions(message_of(err.error()), "cache.shards")) << p;
}

namespace {

// -- breakers and retries
// ------------------------------------------------------

TEST(ConfigFile, ReadsBreakerAndRetryKeys) {
  auto cat = catalog_of(R"([node]
test-skills = true
[skills.flaky]
breaker-window = "time"
breaker-window-duration = 30s
breaker-minimum-calls = 8
breaker-failure-rate = 40.5
breaker-slow-call-rate = 80
breaker-slow-call-duration = 2s
breaker-open-wait = 3s
breaker-open-wait-multiplier = 2.0
breaker-open-wait-max = 1min
breaker-half-open-calls = 3
breaker-failure-statuses = ["SKILL_ERROR", "OVERLOADED"]
fallback = "echo"
max-attempts = 4
retry-on = ["SKILL_ERROR", "TIMEOUT"]
retry-backoff = 20ms
retry-backoff-max = 500ms
attempt-timeout = 250ms
[skills.echo]
breaker = true
breaker-window-calls = 50
)");
  ASSERT_TRUE(cat) << message_of(cat.error());
  auto& b = cat->find("flaky")->breaker;
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.window, troupe::skills::breaker_window_kind::time);
  EXPECT_EQ(b.window_duration, caf::timespan{30s});
  EXPECT_EQ(b.minimum_calls, 8u);
  EXPECT_DOUBLE_EQ(b.failure_rate, 40.5);
  EXPECT_DOUBLE_EQ(b.slow_call_rate, 80);
  EXPECT_EQ(b.slow_call_duration, caf::timespan{2s});
  EXPECT_EQ(b.open_wait, caf::timespan{3s});
  EXPECT_DOUBLE_EQ(b.open_wait_multiplier, 2.0);
  EXPECT_EQ(b.open_wait_max, caf::timespan{60s});
  EXPECT_EQ(b.half_open_calls, 3u);
  EXPECT_TRUE(b.failure_statuses.contains(troupe::job_status::overloaded));
  EXPECT_FALSE(b.failure_statuses.contains(troupe::job_status::timeout));
  EXPECT_EQ(b.fallback, "echo");
  auto& r = cat->find("flaky")->retry;
  EXPECT_EQ(cat->find("flaky")->max_attempts, 4u);
  EXPECT_EQ(r.retry_on,
            (troupe::job_status_set{troupe::job_status::timeout,
                                    troupe::job_status::skill_error}));
  EXPECT_EQ(r.backoff, caf::timespan{20ms});
  EXPECT_EQ(r.backoff_max, caf::timespan{500ms});
  EXPECT_EQ(r.attempt_timeout, caf::timespan{250ms});
  EXPECT_TRUE(cat->find("echo")->breaker.enabled);
  EXPECT_EQ(cat->find("echo")->breaker.window_calls, 50u);
}

TEST(ConfigFile, BreakerDefaults) {
  auto cat = catalog_of("[node]\ntest-skills = true\n");
  ASSERT_TRUE(cat) << message_of(cat.error());
  // Only the skills that demonstrate breakers have one; nothing retries.
  for (auto name : {"flaky", "slow"})
    EXPECT_TRUE(cat->find(name)->breaker.enabled) << name;
  for (auto name : {"echo", "sha256", "sleep", "wordcount", "fail", "crash"})
    EXPECT_FALSE(cat->find(name)->breaker.enabled) << name;
  for (auto& def : cat->all())
    EXPECT_TRUE(def->retry.retry_on.empty()) << def->name;
  troupe::skills::breaker_policy p;
  EXPECT_EQ(p.failure_statuses,
            (troupe::job_status_set{troupe::job_status::timeout,
                                    troupe::job_status::skill_error}));
}

TEST(ConfigFile, BadBreakerValuesAreRefused) {
  struct bad {
    const char* text;
    const char* key;
  };
  for (auto& x : std::vector<bad>{
         {"breaker = \"on\"", "skills.flaky.breaker"},
         {"breaker-window = \"sliding\"", "skills.flaky.breaker-window"},
         {"breaker-window-calls = 0", "skills.flaky.breaker-window-calls"},
         {"breaker-window-calls = \"many\"",
          "skills.flaky.breaker-window-calls"},
         {"breaker-window-duration = 10",
          "skills.flaky.breaker-window-duration"},
         {"breaker-minimum-calls = -1", "skills.flaky.breaker-minimum-calls"},
         {"breaker-failure-rate = 0", "skills.flaky.breaker-failure-rate"},
         {"breaker-failure-rate = 150", "skills.flaky.breaker-failure-rate"},
         {"breaker-slow-call-rate = \"high\"",
          "skills.flaky.breaker-slow-call-rate"},
         {"breaker-slow-call-duration = 0s",
          "skills.flaky.breaker-slow-call-duration"},
         {"breaker-open-wait = 5", "skills.flaky.breaker-open-wait"},
         {"breaker-open-wait-multiplier = 0.5",
          "skills.flaky.breaker-open-wait-multiplier"},
         {"breaker-open-wait-max = true", "skills.flaky.breaker-open-wait-max"},
         {"breaker-half-open-calls = 0",
          "skills.flaky.breaker-half-open-calls"},
         {"breaker-failure-statuses = [\"BAD_INPUT\"]",
          "skills.flaky.breaker-failure-statuses"},
         {"breaker-failure-statuses = [\"FLAKY\"]",
          "skills.flaky.breaker-failure-statuses"},
         {"breaker-failure-statuses = \"TIMEOUT\"",
          "skills.flaky.breaker-failure-statuses"},
         {"fallback = \"\"", "skills.flaky.fallback"},
         {"fallback = 3", "skills.flaky.fallback"},
         {"retry-on = [\"CANCELLED\"]", "skills.flaky.retry-on"},
         {"retry-on = [\"OK\"]", "skills.flaky.retry-on"},
         {"retry-backoff = \"soon\"", "skills.flaky.retry-backoff"},
         {"retry-backoff-max = -1s", "skills.flaky.retry-backoff-max"},
         {"attempt-timeout = 0s", "skills.flaky.attempt-timeout"},
       }) {
    auto p = problems(std::string{"[skills.flaky]\n"} + x.text + "\n");
    EXPECT_TRUE(mentions(p, x.key)) << x.text << " -> " << p;
  }
}

TEST(ConfigFile, WindowKeysMustMatchTheWindow) {
  auto p = problems("[skills.flaky]\nbreaker-window-duration = 5s\n");
  EXPECT_TRUE(mentions(p, "breaker-window = \"time\"")) << p;
  p = problems("[skills.flaky]\nbreaker-window = \"time\"\n"
               "breaker-window-calls = 10\n");
  EXPECT_TRUE(mentions(p, "skills.flaky.breaker-window-calls")) << p;
}

// What the catalog says about `text` (with the test skills), or "" when it
// loads.
std::string catalog_problems(const std::string& text) {
  auto cat = catalog_of("[node]\ntest-skills = true\n" + text);
  return cat ? std::string{} : message_of(cat.error());
}

TEST(ConfigFile, ShippedExampleGivesANodeItsSkills) {
  auto cfg = troupe::config::load_config_file(std::string{TROUPE_SOURCE_DIR}
                                              + "/config/troupe.conf.example");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  auto cat = troupe::node::make_node_catalog(cfg->node, cfg->skills, "example");
  ASSERT_TRUE(cat) << message_of(cat.error());
  // Shown at its defaults, sha256 keeps no breaker and retries nothing.
  EXPECT_FALSE(cat->find("sha256")->breaker.enabled);
  EXPECT_TRUE(cat->find("sha256")->retry.retry_on.empty());
}

TEST(ConfigFile, BreakerKeysTurnTheBreakerOnUnlessItIsOff) {
  auto cat = catalog_of("[skills.echo]\nbreaker-failure-rate = 30\n"
                        "[skills.sha256]\nbreaker = false\n"
                        "breaker-failure-rate = 30\n");
  ASSERT_TRUE(cat) << message_of(cat.error());
  EXPECT_TRUE(cat->find("echo")->breaker.enabled);
  EXPECT_DOUBLE_EQ(cat->find("echo")->breaker.failure_rate, 30);
  EXPECT_FALSE(cat->find("sha256")->breaker.enabled);
  EXPECT_DOUBLE_EQ(cat->find("sha256")->breaker.failure_rate, 30);
}

TEST(ConfigFile, CapsBelowTheirBaseAreRefused) {
  auto p = catalog_problems(
    "[skills.flaky]\nbreaker-open-wait = 10s\nbreaker-open-wait-max = 5s\n");
  EXPECT_TRUE(mentions(p, "skills.flaky.breaker-open-wait-max")) << p;
  // Against the default wait (10 s) too.
  p = catalog_problems("[skills.flaky]\nbreaker-open-wait-max = 1s\n");
  EXPECT_TRUE(mentions(p, "skills.flaky.breaker-open-wait-max")) << p;
  // A base above the default cap is fine: the wait just does not grow.
  p = catalog_problems("[skills.flaky]\nbreaker-open-wait = 1h\n"
                       "[skills.echo]\nretry-on = [\"TIMEOUT\"]\n"
                       "retry-backoff = 1min\n");
  EXPECT_TRUE(p.empty()) << p;
  p = catalog_problems("[skills.echo]\nretry-on = [\"TIMEOUT\"]\n"
                       "retry-backoff = 1s\nretry-backoff-max = 10ms\n");
  EXPECT_TRUE(mentions(p, "skills.echo.retry-backoff-max")) << p;
}

TEST(ConfigFile, FallbacksMustNameAnotherSkillWithoutCircles) {
  auto p = catalog_problems("[skills.flaky]\nfallback = \"nope\"\n");
  EXPECT_TRUE(mentions(p, "skills.flaky.fallback")) << p;
  EXPECT_TRUE(mentions(p, "'nope'")) << p;
  p = catalog_problems("[skills.flaky]\nfallback = \"flaky\"\n");
  EXPECT_TRUE(mentions(p, "its own fallback")) << p;
  p = catalog_problems("[skills.flaky]\nfallback = \"slow\"\n"
                       "[skills.slow]\nfallback = \"flaky\"\n");
  EXPECT_TRUE(mentions(p, "circle")) << p;
  // A chain that ends is fine.
  p = catalog_problems("[skills.flaky]\nfallback = \"slow\"\n"
                       "[skills.slow]\nfallback = \"echo\"\n");
  EXPECT_TRUE(p.empty()) << p;
}

} // namespace

namespace {

TEST(ConfigFile, ReadsTheSupervisionAndHealthSections) {
  auto cfg = load(R"([node]
drain-timeout = 2s
[supervision]
max-restarts = 3
restart-period = 1s
backoff-initial = 0s
backoff-max = 1s
backoff-jitter = 0.5
shutdown-timeout = 250ms
[health]
interval = 100ms
window = 5s
error-rate-warning = 0.1
error-rate-critical = 0.2
min-jobs = 5
restarts-warning = 1
restarts-critical = 2
)");
  ASSERT_TRUE(cfg) << message_of(cfg.error());
  EXPECT_EQ(cfg->node.drain_timeout, 2s);
  auto& sup = cfg->node.supervision;
  EXPECT_EQ(sup.max_restarts, 3u);
  EXPECT_EQ(sup.restart_period, 1s);
  EXPECT_EQ(sup.backoff_initial, caf::timespan{0});
  EXPECT_EQ(sup.backoff_max, 1s);
  EXPECT_DOUBLE_EQ(sup.backoff_jitter, 0.5);
  EXPECT_EQ(sup.shutdown_timeout, 250ms);
  auto& health = cfg->node.health;
  EXPECT_EQ(health.interval, 100ms);
  EXPECT_EQ(health.window, 5s);
  EXPECT_DOUBLE_EQ(health.error_rate_warning, 0.1);
  EXPECT_DOUBLE_EQ(health.error_rate_critical, 0.2);
  EXPECT_EQ(health.min_jobs, 5u);
  EXPECT_EQ(health.restarts_warning, 1u);
  EXPECT_EQ(health.restarts_critical, 2u);
}

TEST(ConfigFile, BadSupervisionAndHealthValuesAreRefused) {
  auto p = problems(R"([node]
drain-timeout = 5
[supervision]
max-restarts = "many"
backoff-jitter = 1.5
backoff-initial = 10s
backoff-max = 1s
restart-speed = 1s
[health]
error-rate-warning = 0.5
error-rate-critical = 0.3
interval = 1ms
)");
  EXPECT_TRUE(mentions(p, "t.conf")) << p;
  EXPECT_TRUE(mentions(p, "drain-timeout")) << p;
  EXPECT_TRUE(mentions(p, "max-restarts")) << p;
  EXPECT_TRUE(mentions(p, "backoff-jitter")) << p;
  EXPECT_TRUE(mentions(p, "backoff-max")) << p;
  EXPECT_TRUE(mentions(p, "restart-speed")) << p;
  EXPECT_TRUE(mentions(p, "error-rate-critical")) << p;
  EXPECT_TRUE(mentions(p, "interval")) << p;
}

} // namespace

// -- the parser: limits, overflow, ambiguity ---------------------------------

namespace {

using troupe::config::max_config_depth;

// The error of parsing `text`, or "" when it parses.
std::string parse_problem(const std::string& text) {
  auto tree = troupe::config::parse_config_text(text, "t.conf");
  return tree ? std::string{} : message_of(tree.error());
}

// The value of `key` in `xs` (which must have it).
const caf::config_value& entry(const caf::settings& xs, const char* key) {
  auto i = xs.find(key);
  if (i == xs.end())
    throw std::runtime_error{std::string{"no key "} + key};
  return i->second;
}

std::string repeated(const std::string& x, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += x;
  return out;
}

// CAF's parser recursed once per bracket and crashed the node (SIGSEGV).
TEST(ConfigParser, DeepNestingIsRefusedWithoutCrashing) {
  for (auto opener : {"[", "{a=", "{a", "[{a=["}) {
    auto p = parse_problem("[node]\nx = " + repeated(opener, 50'000) + "\n");
    EXPECT_TRUE(mentions(p, "t.conf:2: node.x")) << opener << ": " << p;
    EXPECT_TRUE(mentions(p, "nested more than 64 levels deep")) << p;
    EXPECT_LT(p.size(), 400u) << "the message stays readable";
  }
  auto p = parse_problem("[" + repeated("a.", 50'000) + "b]\nx = 1\n");
  EXPECT_TRUE(mentions(p, "t.conf:1: section name nested more than 64")) << p;
}

TEST(ConfigParser, NestingUpToTheLimitIsFine) {
  // [s] is level 1; its value's lists take the levels from 2 on.
  auto fits = troupe::config::max_config_depth - 1;
  auto p = parse_problem("[s]\nx = " + repeated("[", fits) + repeated("]", fits)
                         + "\n");
  EXPECT_TRUE(p.empty()) << p;
  p = parse_problem("[s]\nx = " + repeated("[", fits + 1)
                    + repeated("]", fits + 1) + "\n");
  EXPECT_TRUE(mentions(p, "nested more than 64")) << p;
  std::string section;
  for (size_t i = 0; i < troupe::config::max_config_depth; ++i)
    section += (i > 0 ? "." : "") + std::string{"s"};
  p = parse_problem("[" + section + "]\n");
  EXPECT_TRUE(p.empty()) << p;
  p = parse_problem("[" + section + "]\nx = []\n");
  EXPECT_TRUE(mentions(p, "nested more than 64")) << p;
}

// CAF multiplied the count by the unit in 64 bits and wrapped:
// 307445735min became 26 s, 5124096h became 25 minutes.
TEST(ConfigParser, DurationsThatOverflowAreRefused) {
  auto p = parse_problem("[node]\ndefault-timeout = 307445735min\n");
  EXPECT_TRUE(mentions(p, "t.conf:2: node.default-timeout: '307445735min' is "
                          "too long a duration (at most 2562047h"))
    << p;
  p = parse_problem("[skills.sha256]\ncache-ttl = 5124096h\n");
  EXPECT_TRUE(mentions(p, "t.conf:2: skills.sha256.cache-ttl: '5124096h'"))
    << p;
  for (auto text : {"9223372036854775808ns", "9223372036854776us", "2562048h",
                    "-2562048h", "99999999999999999999999s", "153722868min"})
    EXPECT_TRUE(mentions(parse_problem(std::string{"[s]\nx = "} + text),
                         "too long a duration"))
      << text;
  // The longest ones that fit are read exactly.
  auto tree = troupe::config::parse_config_text(
    "[s]\na = 9223372036854775807ns\nb = 2562047h\nc = -2562047h\n", "t.conf");
  ASSERT_TRUE(tree) << message_of(tree.error());
  auto& s = caf::get<caf::settings>(entry(*tree, "s"));
  EXPECT_EQ(caf::get<caf::timespan>(entry(s, "a")), caf::timespan::max());
  EXPECT_EQ(caf::get<caf::timespan>(entry(s, "b")), caf::timespan{2562047h});
  EXPECT_EQ(caf::get<caf::timespan>(entry(s, "c")), -caf::timespan{2562047h});
}

TEST(ConfigParser, DurationsBeyondTheKeysRangeNameTheMaximum) {
  auto p = problems("[node]\ndefault-timeout = 9000h\n");
  EXPECT_TRUE(mentions(p, "t.conf: node.default-timeout: expected a duration "
                          "in 1ms..8760h, got 9000h"))
    << p;
  p = problems("[skills.sha256]\ncache-ttl = 2562047h\n");
  EXPECT_TRUE(mentions(p, "skills.sha256.cache-ttl: expected a duration in "
                          "1ms..8760h, got 2562047h"))
    << p;
  p = problems("[node]\ndefault-timeout = \"307445735min\"\n");
  EXPECT_TRUE(mentions(p, "node.default-timeout: '307445735min' is too long "
                          "a duration"))
    << p;
  EXPECT_TRUE(mentions(p, "expected a duration in 1ms..8760h")) << p;
}

TEST(ConfigParser, SizesThatOverflowOrExceedTheKeyAreRefused) {
  auto p = problems("[node]\nmax-job-bytes = \"99999999999999TiB\"\n");
  EXPECT_TRUE(mentions(p, "node.max-job-bytes: '99999999999999TiB' is too "
                          "large a size"))
    << p;
  EXPECT_TRUE(mentions(p, "expected a size in 1..1GiB")) << p;
  p = problems("[node]\nmax-job-bytes = \"2GiB\"\n");
  EXPECT_TRUE(mentions(p, "node.max-job-bytes: expected a size in 1..1GiB, "
                          "got 2GiB"))
    << p;
  p = problems("[node]\nmax-job-bytes = -1\n");
  EXPECT_TRUE(mentions(p, "node.max-job-bytes")) << p;
  // Unquoted, a size is a syntax error that says how to write it.
  p = parse_problem("[node]\nmax-job-bytes = 16MiB\n");
  EXPECT_TRUE(mentions(p, "t.conf:2: syntax error")) << p;
  EXPECT_TRUE(mentions(p, "sizes go in quotes")) << p;
}

TEST(ConfigParser, WholeNumbersBeyondSixtyFourBitsAreRefused) {
  auto p = parse_problem("[node]\nport = 99999999999999999999\n");
  EXPECT_TRUE(mentions(p, "t.conf:2: node.port: '99999999999999999999' is out "
                          "of range for a whole number"))
    << p;
  EXPECT_TRUE(
    mentions(parse_problem("[s]\nx = -9223372036854775809\n"), "out of range"));
  EXPECT_TRUE(
    mentions(parse_problem("[s]\nx = 0x10000000000000000\n"), "out of range"));
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = 1e999\n"), "out of range"));
  auto tree = troupe::config::parse_config_text(
    "[s]\nmin = -9223372036854775808\nmax = 9223372036854775807\n", "t.conf");
  ASSERT_TRUE(tree) << message_of(tree.error());
  auto& s = caf::get<caf::settings>(entry(*tree, "s"));
  EXPECT_EQ(caf::get<int64_t>(entry(s, "min")),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(caf::get<int64_t>(entry(s, "max")),
            std::numeric_limits<int64_t>::max());
  // Out of a key's range, the reader names the range.
  EXPECT_TRUE(mentions(problems("[node]\nport = 65536\n"),
                       "node.port: expected a whole number in 0..65535, got "
                       "65536"));
  EXPECT_TRUE(mentions(problems("[node]\nworkers = -1\n"),
                       "node.workers: expected a whole number in 1..1024, got "
                       "-1"));
}

// CAF reads 010 as octal 8: `workers = 010` silently gave 8 workers.
TEST(ConfigParser, LeadingZerosAreRefusedAsAmbiguous) {
  auto p = parse_problem("[node]\nworkers = 010\n");
  EXPECT_TRUE(mentions(p, "t.conf:2: syntax error")) << p;
  EXPECT_TRUE(mentions(p, "leading zero")) << p;
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = 010s\n"), "leading zero"));
  EXPECT_TRUE(parse_problem("[s]\nx = 0\ny = 0.5\nz = 0s\n").empty());
}

// CAF kept the last of two values for one key without a word.
TEST(ConfigParser, AKeySetTwiceIsRefused) {
  auto p = parse_problem("[node]\nport = 1\nworkers = 2\nport = 3\n");
  EXPECT_TRUE(mentions(p, "t.conf:4: node.port is set twice (first on line 2)"))
    << p;
  p = parse_problem("[skills.sha256]\nworkers = 2\n[skills]\n"
                    "sha256 = { workers = 3 }\n");
  EXPECT_TRUE(mentions(p, "t.conf:4: skills.sha256.workers is set twice (first "
                          "on line 2)"))
    << p;
  p = parse_problem("[s]\nm = { a = 1,\n  a = 2 }\n");
  EXPECT_TRUE(mentions(p, "t.conf:3: s.m.a is set twice (first on line 2)"))
    << p;
  p = parse_problem("[s]\nx = 1\n[s.x]\n");
  EXPECT_TRUE(mentions(p, "t.conf:3: s.x is a value (line 2), not a section"))
    << p;
  // Sections written in parts still merge.
  EXPECT_TRUE(parse_problem("[node]\nport = 1\n[cluster]\nseeds = []\n"
                            "[node]\nworkers = 2\n")
                .empty());
}

TEST(ConfigParser, BadStringsAreRefused) {
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = \"open\ny = 1\n"),
                       "t.conf:2: syntax error at column 10: the string of "
                       "s.x does not end on its line"));
  EXPECT_TRUE(
    mentions(parse_problem("[s]\nx = \"a\\qb\"\n"), "unknown escape"));
  EXPECT_TRUE(mentions(parse_problem(std::string{"[s]\nx = \"a\0b\"\n", 13}),
                       "a control character (byte 0x00)"));
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = \"\xff\xfe\"\n"),
                       "t.conf:2: the string of s.x is not valid UTF-8"));
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = 'abc\n"), "does not end"));
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = yes\n"),
                       "'yes' is not a value of s.x: strings go in double "
                       "quotes"));
}

TEST(ConfigParser, UnclosedListsAndMapsNameTheLineTheyOpen) {
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = [1,\n2,\n"),
                       "t.conf:2: the list of s.x has no closing ']'"));
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = { a = 1\n"),
                       "t.conf:2: the map of s.x has no closing '}'"));
  EXPECT_TRUE(mentions(parse_problem("[s]\nx = [1 2]\n"),
                       "expected ',' or ']' in the list of s.x"));
  EXPECT_TRUE(
    mentions(parse_problem("[s]\nx = 1 2\n"), "after the value of s.x"));
  EXPECT_TRUE(
    mentions(parse_problem("[s]\nx =\n"), "missing the value of s.x"));
  EXPECT_TRUE(mentions(parse_problem("[s\n"), "expected ']'"));
  EXPECT_TRUE(mentions(parse_problem("= 3\n"), "expected a key, a [section]"));
}

// The dialect troupe's files use, read as CAF read it.
TEST(ConfigParser, ReadsTheWholeDialect) {
  auto tree = troupe::config::parse_config_text(
    "\xEF\xBB\xBF; a comment\r\n"
    "top = 1\r\n"
    "[ s ] ; the section\n"
    "int = -42\n"
    "hex = 0x1F\n"
    "bin = 0b101\n"
    "real = 2.5e3\n"
    "half = .5\n"
    "yes = true\n"
    "no = false\n"
    "ms = 250ms\n"
    "mins = 5min\n"
    "frac = 1.5s\n"
    "str = \"a \\\"quoted\\\" \\\\ \\t word\"\n"
    "atom = 'process'\n"
    "list = [1, \"two\", ; a comment\n"
    "  3s,\n"
    "]\n"
    "map { a = 1, b = \"x\"\n"
    "  c = [] }\n"
    "[s.sub-section]\n"
    "key_with-dash = \"\"\n",
    "t.conf");
  ASSERT_TRUE(tree) << message_of(tree.error());
  EXPECT_EQ(caf::get<int64_t>(*tree, "global.top"), 1);
  auto& s = caf::get<caf::settings>(entry(*tree, "s"));
  EXPECT_EQ(caf::get<int64_t>(entry(s, "int")), -42);
  EXPECT_EQ(caf::get<int64_t>(entry(s, "hex")), 31);
  EXPECT_EQ(caf::get<int64_t>(entry(s, "bin")), 5);
  EXPECT_DOUBLE_EQ(caf::get<double>(entry(s, "real")), 2500.0);
  EXPECT_DOUBLE_EQ(caf::get<double>(entry(s, "half")), 0.5);
  EXPECT_TRUE(caf::get<bool>(entry(s, "yes")));
  EXPECT_FALSE(caf::get<bool>(entry(s, "no")));
  EXPECT_EQ(caf::get<caf::timespan>(entry(s, "ms")), caf::timespan{250ms});
  EXPECT_EQ(caf::get<caf::timespan>(entry(s, "mins")), caf::timespan{5min});
  EXPECT_EQ(caf::get<caf::timespan>(entry(s, "frac")), caf::timespan{1500ms});
  EXPECT_EQ(caf::get<std::string>(entry(s, "str")), "a \"quoted\" \\ \t word");
  EXPECT_EQ(caf::get<std::string>(entry(s, "atom")), "process");
  auto& list = caf::get<caf::config_value::list>(entry(s, "list"));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(caf::get<std::string>(list[1]), "two");
  EXPECT_EQ(caf::get<caf::timespan>(list[2]), caf::timespan{3s});
  auto& map = caf::get<caf::settings>(entry(s, "map"));
  EXPECT_EQ(caf::get<int64_t>(entry(map, "a")), 1);
  EXPECT_EQ(caf::get<std::string>(entry(map, "b")), "x");
  EXPECT_TRUE(caf::get<caf::config_value::list>(entry(map, "c")).empty());
  EXPECT_EQ(caf::get<std::string>(*tree, "s.sub-section.key_with-dash"), "");
}

TEST(ConfigFile, DirectoriesAndHugeFilesAreRefused) {
  auto cfg = troupe::config::load_config_file(TROUPE_SOURCE_DIR);
  ASSERT_FALSE(cfg);
  EXPECT_TRUE(mentions(message_of(cfg.error()),
                       "cannot read the config file (it is a directory)"))
    << message_of(cfg.error());
  // An endless file (a device, say) is cut off, not read until memory ends.
  cfg = troupe::config::load_config_file("/dev/zero");
  ASSERT_FALSE(cfg);
  EXPECT_TRUE(mentions(message_of(cfg.error()), "/dev/zero: larger than 1MiB"))
    << message_of(cfg.error());
}

} // namespace
