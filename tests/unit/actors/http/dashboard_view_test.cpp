// The dashboard's state: what it shows of a node's status, that an idle
// node's states are equal (so the stream sends nothing), rates and latency
// quantiles over the window, and the quantile arithmetic itself.
#include "actors/http/dashboard_view.hpp"

#include <gtest/gtest.h>

using troupe::http::dashboard_sample;
using troupe::http::dashboard_view;
using troupe::http::latency_quantile;
using troupe::http::significant;
namespace v1 = troupe::v1;
using namespace std::chrono_literals;

namespace {

dashboard_sample sample_at(std::chrono::steady_clock::time_point t,
                           int64_t unix_ms, uint64_t uptime_ms) {
  dashboard_sample s;
  s.at = t;
  s.unix_ms = unix_ms;
  auto& st = s.status;
  st.set_name("a");
  st.set_address("127.0.0.1:4710");
  st.set_uptime_ms(uptime_ms);
  st.set_health_score(100);
  auto* sk = st.add_skills();
  sk->set_name("echo");
  sk->set_kind("in_pool");
  sk->set_workers(4);
  sk->set_busy(1);
  for (auto [name, status, workers] :
       {std::tuple{"a", v1::UP, 4u}, std::tuple{"b", v1::UP, 2u},
        std::tuple{"c", v1::DOWN, 8u}}) {
    auto* m = st.add_members();
    m->set_name(name);
    m->set_status(status);
    m->set_health(90);
    auto* load = m->add_skills();
    load->set_name("echo");
    load->set_workers(workers);
    load->set_busy(1);
  }
  auto* ok = st.add_counts();
  ok->set_skill("echo");
  ok->set_status(v1::OK);
  ok->set_count(10);
  auto* failed = st.add_counts();
  failed->set_skill("echo");
  failed->set_status(v1::TIMEOUT);
  failed->set_count(2);
  auto* b = st.add_breakers();
  b->set_skill("echo");
  b->set_enabled(true);
  b->set_state(v1::OPEN);
  b->set_until_half_open_ms(4'200 - uptime_ms % 100);
  auto* a = st.add_alerts();
  a->set_severity(v1::SEVERITY_WARNING);
  a->set_rule("error-rate");
  a->set_subject("skill echo");
  a->set_age_ms(uptime_ms - 1000);
  st.mutable_cache()->set_shards(2);
  st.mutable_cache()->set_hits(3);
  st.mutable_cache()->set_misses(1);
  return s;
}

// A histogram over latency_buckets() with `n` jobs in bucket `i`.
std::vector<uint64_t> histogram(std::vector<std::pair<size_t, uint64_t>> at) {
  std::vector<uint64_t> out(troupe::metrics::latency_buckets().size() + 1, 0);
  for (auto [i, n] : at)
    for (auto j = i; j < out.size(); ++j)
      out[j] += n;
  return out;
}

} // namespace

TEST(DashboardView, ShowsTheNodeAndItsCluster) {
  dashboard_view view;
  auto t = std::chrono::steady_clock::time_point{} + 1h;
  auto state = view.update(sample_at(t, 1'000'000, 5'000));
  EXPECT_EQ(state["node"]["name"], "a");
  EXPECT_EQ(state["node"]["started_unix_ms"], 995'000);
  EXPECT_EQ(state["members"]["b"]["status"], "UP");
  EXPECT_EQ(state["members"]["c"]["status"], "DOWN");
  EXPECT_EQ(state["members"]["a"]["self"], true);
  auto& echo = state["skills"]["echo"];
  EXPECT_EQ(echo["workers"], 4);
  EXPECT_EQ(echo["busy"], 1);
  // Cluster-wide: the members that are up.
  EXPECT_EQ(echo["cluster_workers"], 6);
  EXPECT_EQ(echo["cluster_busy"], 2);
  EXPECT_EQ(echo["done"], 10);
  EXPECT_EQ(echo["errors"]["TIMEOUT"], 2);
  EXPECT_EQ(state["breakers"]["echo"]["state"], "OPEN");
  EXPECT_EQ(state["breakers"]["echo"]["until_half_open_ms"], 5'000);
  EXPECT_EQ(state["alerts"]["error-rate/skill echo"]["severity"], "WARNING");
  EXPECT_EQ(state["alerts"]["error-rate/skill echo"]["since_unix_ms"], 996'000);
  EXPECT_EQ(state["cache"]["hit_rate"], 75.0);
}

TEST(DashboardView, AnIdleNodesStatesAreEqual) {
  dashboard_view view;
  auto t = std::chrono::steady_clock::time_point{} + 1h;
  auto first = view.update(sample_at(t, 1'000'000, 5'000));
  // Time passes (uptime, alert ages, the breaker's countdown within its
  // second, a late sample); nothing happens.
  for (int i = 1; i <= 5; ++i) {
    auto next = view.update(
      sample_at(t + i * 500ms, 1'000'000 + i * 500 + 7, 5'000 + i * 500));
    EXPECT_EQ(next, first) << "sample " << i << ": "
                           << nlohmann::json::diff(first, next).dump();
  }
}

TEST(DashboardView, RatesAndQuantilesAreOverTheWindow) {
  dashboard_view view{10s};
  auto t = std::chrono::steady_clock::time_point{} + 1h;
  auto s = sample_at(t, 1'000'000, 5'000);
  s.latencies = {{"echo", histogram({{2, 100}})}};
  auto state = view.update(s);
  EXPECT_EQ(state["skills"]["echo"]["jobs_per_second"], 0.0);
  EXPECT_FALSE(state["skills"]["echo"].contains("p50_ms"));
  // 200 jobs in 2 s: 100 in the 0.1-0.5 ms bucket, 100 at 1-5 ms.
  s = sample_at(t + 2s, 1'002'000, 7'000);
  s.latencies = {{"echo", histogram({{2, 100}, {3, 100}, {5, 100}})}};
  state = view.update(s);
  EXPECT_EQ(state["skills"]["echo"]["jobs_per_second"], 100.0);
  EXPECT_NEAR(state["skills"]["echo"]["p50_ms"].get<double>(), 0.5, 1e-9);
  EXPECT_GT(state["skills"]["echo"]["p99_ms"].get<double>(), 1.0);
  EXPECT_LE(state["skills"]["echo"]["p99_ms"].get<double>(), 5.0);
  // Nothing for longer than the window: no rate, no quantiles.
  s = sample_at(t + 11s, 1'011'000, 16'000);
  s.latencies = {{"echo", histogram({{2, 100}, {3, 100}, {5, 100}})}};
  view.update(s);
  s = sample_at(t + 14s, 1'014'000, 19'000);
  s.latencies = {{"echo", histogram({{2, 100}, {3, 100}, {5, 100}})}};
  state = view.update(s);
  EXPECT_EQ(state["skills"]["echo"]["jobs_per_second"], 0.0);
  EXPECT_FALSE(state["skills"]["echo"].contains("p50_ms"));
  // After a pause longer than the window, the rate is over what comes
  // after it, not averaged over the pause.
  s = sample_at(t + 60s, 1'060'000, 65'000);
  s.latencies = {{"echo", histogram({{2, 100}, {3, 100}, {5, 200}})}};
  state = view.update(s);
  EXPECT_EQ(state["skills"]["echo"]["jobs_per_second"], 0.0);
  s = sample_at(t + 61s, 1'061'000, 66'000);
  s.latencies = {{"echo", histogram({{2, 100}, {3, 100}, {5, 300}})}};
  state = view.update(s);
  EXPECT_EQ(state["skills"]["echo"]["jobs_per_second"], 100.0);
}

TEST(DashboardView, RecentJobsAreKeyedByTheirOrder) {
  dashboard_view view;
  auto s = sample_at(std::chrono::steady_clock::time_point{} + 1h, 1'000'000,
                     5'000);
  troupe::metrics::recent_job j;
  j.seq = 42;
  j.skill = "echo";
  j.status = troupe::job_status::timeout;
  j.micros = 1500;
  j.unix_ms = 999'000;
  s.recent = {j};
  auto state = view.update(s);
  auto& r = state["recent"]["0000000042"];
  EXPECT_EQ(r["skill"], "echo");
  EXPECT_EQ(r["status"], "TIMEOUT");
  EXPECT_EQ(r["ms"], 1.5);
  EXPECT_EQ(r["at_unix_ms"], 999'000);
}

TEST(DashboardView, QuantilesInterpolateInsideTheirBucket) {
  std::vector<double> bounds{1, 2, 4};
  std::vector<uint64_t> none{0, 0, 0, 0};
  // 10 jobs in (1, 2]: the median is halfway.
  EXPECT_DOUBLE_EQ(*latency_quantile(bounds, none, {0, 10, 10, 10}, 0.5), 1.5);
  // Only what happened between the two histograms counts.
  EXPECT_DOUBLE_EQ(
    *latency_quantile(bounds, {5, 5, 5, 5}, {5, 15, 15, 15}, 0.5), 1.5);
  // Above the last bound: the last bound.
  EXPECT_DOUBLE_EQ(*latency_quantile(bounds, none, {0, 0, 0, 3}, 0.99), 4);
  EXPECT_FALSE(latency_quantile(bounds, none, none, 0.5));
  EXPECT_FALSE(latency_quantile(bounds, {1, 1, 1, 1}, {1, 1, 1, 1}, 0.5));
  // Counters that went backwards (a restarted node) count nothing.
  EXPECT_FALSE(latency_quantile(bounds, {9, 9, 9, 9}, {1, 1, 1, 1}, 0.5));
}

TEST(DashboardView, SignificantDigits) {
  EXPECT_EQ(significant(123456, 3), 123000);
  EXPECT_DOUBLE_EQ(significant(0.0012345, 2), 0.0012);
  EXPECT_EQ(significant(0, 3), 0);
  EXPECT_EQ(significant(-98.76, 2), -99);
}
