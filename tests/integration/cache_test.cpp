// The result cache through real node processes: hits visible in
// `troupe submit --json`, --no-cache and --refresh, the cache in
// `troupe status` and in the metrics, and preloading from the config file.
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST(CacheNode, RepeatedJobIsACacheHitInTheJsonResult) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto first = node.cli({"submit", "--skill", "sha256", "--input", "abc",
                         "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(contains(first.out, "\"cache_hit\":false")) << first.out;
  auto second = node.cli({"submit", "--skill", "sha256", "--input", "abc",
                          "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(contains(second.out, "\"cache_hit\":true")) << second.out;
  EXPECT_TRUE(contains(second.out, "\"output\":\"ba7816bf8f01cfea414140de5da"
                                   "e2223b00361a396177a9cb410ff61f20015ad\""))
    << second.out;
  // Without --json the output is the same bytes.
  auto plain = node.cli({"submit", "--skill", "sha256", "--input", "abc"});
  EXPECT_EQ(plain.out,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CacheNode, NoCacheAndRefreshRunTheSkill) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto args = std::vector<std::string>{"submit", "--skill", "wordcount",
                                       "--input", "a b a", "--json"};
  ASSERT_EQ(node.cli(args).exit_code, 0);
  auto bypass = args;
  bypass.push_back("--no-cache");
  auto b = node.cli(bypass);
  EXPECT_TRUE(contains(b.out, "\"cache_hit\":false")) << b.out;
  auto refresh = args;
  refresh.push_back("--refresh");
  auto r = node.cli(refresh);
  EXPECT_TRUE(contains(r.out, "\"cache_hit\":false")) << r.out;
  EXPECT_TRUE(contains(r.out, R"(\"a\":2)")) << r.out;
  auto hit = node.cli(args);
  EXPECT_TRUE(contains(hit.out, "\"cache_hit\":true")) << hit.out;
  // Both at once make no sense.
  auto both = refresh;
  both.push_back("--no-cache");
  EXPECT_EQ(node.cli(both).exit_code, 2);
  auto st = node.cli({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_TRUE(contains(st.out, "\"cache\":{\"shards\":2,\"hits\":1,"
                               "\"misses\":1,\"coalesced\":0,\"bypassed\":1,"
                               "\"refreshed\":1,\"hit_rate\":0.5000,"
                               "\"entries\":1,"))
    << st.out;
  EXPECT_TRUE(contains(st.out, "\"top_skills\":[{\"skill\":\"wordcount\","
                               "\"hits\":1,\"misses\":1}]"))
    << st.out;
  auto text = node.cli({"status"});
  EXPECT_TRUE(contains(text.out, "cache: 2 shard(s), 1 entries")) << text.out;
  EXPECT_TRUE(contains(text.out, "hit rate 50.0%")) << text.out;
  EXPECT_TRUE(contains(text.out, "top skills: wordcount 1 hits")) << text.out;
}

TEST(CacheNode, SkillsWithoutCachingAlwaysRun) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  for (int i = 0; i < 2; ++i) {
    auto res = node.cli({"submit", "--skill", "echo", "--input", "x",
                         "--json"});
    EXPECT_TRUE(contains(res.out, "\"cache_hit\":false")) << res.out;
    auto fail = node.cli({"submit", "--skill", "fail", "--input", "no",
                          "--json"});
    EXPECT_TRUE(contains(fail.out, "\"cache_hit\":false")) << fail.out;
  }
}

TEST(CacheNode, MetricsCountRequestsAndSize) {
  auto metrics_port = unused_port();
  node_process node{{"--metrics-port", std::to_string(metrics_port)}};
  ASSERT_TRUE(node.ready()) << node.log();
  node.cli({"submit", "--skill", "sha256", "--input", "m"});
  node.cli({"submit", "--skill", "sha256", "--input", "m"});
  auto body = http_get(metrics_port, "/metrics");
  EXPECT_TRUE(contains(body, "troupe_cache_requests_total{result=\"hit\"} 1"))
    << body;
  EXPECT_TRUE(contains(body, "troupe_cache_requests_total{result=\"miss\"} 1"))
    << body;
  EXPECT_TRUE(contains(body, "troupe_cache_entries 1")) << body;
  EXPECT_TRUE(contains(body, "troupe_cache_bytes ")) << body;
  EXPECT_TRUE(contains(body, "troupe_cache_evictions_total{reason=\"ttl\"} 0"))
    << body;
  EXPECT_TRUE(contains(body, "troupe_cache_refreshes_total 0")) << body;
  // A hit is a job like any other in the job counts.
  EXPECT_TRUE(
    contains(body, "troupe_jobs_total{skill=\"sha256\",status=\"OK\"} 2"))
    << body;
}

TEST(CacheNode, PreloadedJobsAreHitsForTheFirstClient) {
  temp_file conf{"troupe.conf", R"([cache]
shards = 3
budget = "8MiB"
preload-skills = ["sha256"]
preload-jobs = [{ skill = "sha256", input = "warm" }, { skill = "wordcount", input = "x y x" }]

[skills.wordcount]
cache-ttl = 1h
)"};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto sha = node.cli({"submit", "--skill", "sha256", "--input", "warm",
                       "--json"});
  EXPECT_TRUE(contains(sha.out, "\"cache_hit\":true")) << sha.out;
  auto wc = node.cli({"submit", "--skill", "wordcount", "--input", "x y x",
                      "--json"});
  EXPECT_TRUE(contains(wc.out, "\"cache_hit\":true")) << wc.out;
  auto st = node.cli({"status", "--json"});
  EXPECT_TRUE(contains(st.out, "\"shards\":3")) << st.out;
  EXPECT_TRUE(contains(st.out, "\"budget\":8388606")
              || contains(st.out, "\"budget\":8388608"))
    << st.out;
}

TEST(CacheNode, BadCacheConfigStopsTheNode) {
  temp_file conf{"troupe.conf", "[cache]\npreload-jobs = [{ skill = \"echo\" "
                                "}]\n"};
  auto res = run_troupe({"node", "--port", "0", "--config", conf.path()});
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_TRUE(contains(res.err, "cache.preload-jobs[1]")) << res.err;
  EXPECT_TRUE(contains(res.err, "does not cache")) << res.err;
}

TEST(CacheNode, CacheCanBeTurnedOff) {
  temp_file conf{"troupe.conf", "[cache]\nshards = 0\n"};
  node_process node{{"--config", conf.path()}};
  ASSERT_TRUE(node.ready()) << node.log();
  node.cli({"submit", "--skill", "sha256", "--input", "abc"});
  auto res = node.cli({"submit", "--skill", "sha256", "--input", "abc",
                       "--json"});
  EXPECT_TRUE(contains(res.out, "\"cache_hit\":false")) << res.out;
  auto text = node.cli({"status"});
  EXPECT_TRUE(contains(text.out, "cache: off")) << text.out;
}
