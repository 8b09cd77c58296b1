#include "actors/http/dashboard_view.hpp"

#include "messages/wire/api_codec.hpp"

#include <cmath>
#include <cstdio>

namespace troupe::http {

using nlohmann::json;

namespace {

uint64_t delta(const std::vector<uint64_t>& before,
               const std::vector<uint64_t>& after, size_t i) {
  auto b = i < before.size() ? before[i] : 0;
  auto a = i < after.size() ? after[i] : 0;
  return a > b ? a - b : 0;
}

// The skill's load summed over the members that are up (its own load for
// a node in no cluster).
struct cluster_load {
  uint64_t workers = 0;
  uint64_t busy = 0;
  uint64_t queued = 0;
};

std::map<std::string, cluster_load> loads_of(const troupe::v1::NodeStatus& st) {
  std::map<std::string, cluster_load> out;
  for (auto& m : st.members()) {
    if (m.status() != troupe::v1::UP)
      continue;
    for (auto& s : m.skills()) {
      auto& l = out[s.name()];
      l.workers += s.workers();
      l.busy += s.busy();
      l.queued += s.queued();
    }
  }
  return out;
}

json members_of(const troupe::v1::NodeStatus& st) {
  auto out = json::object();
  for (auto& m : st.members()) {
    out[m.name()] = {
      {"address", m.address()},
      {"status", troupe::v1::MemberStatus_Name(m.status())},
      {"health", m.health()},
      {"jobs_per_second", significant(m.jobs_per_second(), 3)},
      {"incarnation", m.incarnation()},
      {"self", m.name() == st.name()},
    };
  }
  return out;
}

json breakers_of(const troupe::v1::NodeStatus& st) {
  auto out = json::object();
  for (auto& b : st.breakers()) {
    if (!b.enabled())
      continue;
    // Whole seconds: the countdown would change the state on each sample.
    auto next_ms = (b.until_half_open_ms() + 999) / 1000 * 1000;
    out[b.skill()] = {
      {"state", troupe::v1::BreakerState_Name(b.state())},
      {"failure_rate", significant(b.failure_rate(), 3)},
      {"calls", b.calls()},
      {"failures", b.failures()},
      {"until_half_open_ms", next_ms},
      {"trips", b.trips()},
      {"rejected", b.rejected()},
    };
  }
  return out;
}

json cache_of(const troupe::v1::NodeStatus& st) {
  auto& c = st.cache();
  if (c.shards() == 0)
    return {{"enabled", false}};
  auto lookups = c.hits() + c.misses();
  return {
    {"enabled", true},
    {"entries", c.entries()},
    {"bytes", c.bytes()},
    {"budget", c.budget()},
    {"hit_rate",
     lookups == 0 ? 0.0 : significant(100.0 * c.hits() / lookups, 3)},
    {"hits", c.hits()},
    {"misses", c.misses()},
    {"evicted", c.evicted_size() + c.evicted_ttl()},
  };
}

std::string sequence_key(uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%010llu",
                static_cast<unsigned long long>(seq));
  return buf;
}

json recent_of(const std::vector<metrics::recent_job>& jobs) {
  auto out = json::object();
  for (auto& j : jobs) {
    out[sequence_key(j.seq)] = {
      // Clients number their own jobs, so a result's id is not unique
      // in the node: the list numbers results as they leave.
      {"id", std::to_string(j.seq)},
      {"skill", j.skill},
      {"node", j.node},
      {"status", troupe::v1::JobStatus_Name(wire::api::to_proto(j.status))},
      {"ms", significant(static_cast<double>(j.micros) / 1000.0, 3)},
      {"at_unix_ms", j.unix_ms},
    };
  }
  return out;
}

} // namespace

double significant(double x, int digits) {
  if (x == 0 || !std::isfinite(x))
    return 0;
  auto magnitude = std::ceil(std::log10(std::fabs(x)));
  auto scale = std::pow(10.0, digits - magnitude);
  return std::round(x * scale) / scale;
}

std::optional<double> latency_quantile(const std::vector<double>& bounds,
                                       const std::vector<uint64_t>& before,
                                       const std::vector<uint64_t>& after,
                                       double q) {
  auto n = bounds.size() + 1;
  auto total = delta(before, after, n - 1);
  if (total == 0)
    return std::nullopt;
  auto rank = q * static_cast<double>(total);
  uint64_t below = 0;
  for (size_t i = 0; i < n; ++i) {
    auto cum = delta(before, after, i);
    if (static_cast<double>(cum) >= rank && cum > below) {
      // Past the last bound there is no upper end: the last bound it is.
      if (i == bounds.size())
        return bounds.back();
      auto lower = i == 0 ? 0.0 : bounds[i - 1];
      auto share = (rank - static_cast<double>(below))
                   / static_cast<double>(cum - below);
      return lower + (bounds[i] - lower) * share;
    }
    below = cum;
  }
  return bounds.back();
}

dashboard_view::dashboard_view(std::chrono::milliseconds window)
    : window_(window) {
  // nop
}

json dashboard_view::update(const dashboard_sample& s) {
  auto& st = s.status;
  // The start time, computed once: recomputing it from each sample's
  // uptime would jitter by the sampling delay. A smaller uptime is a
  // restarted node.
  if (started_unix_ms_ == 0 || st.uptime_ms() < last_uptime_ms_)
    started_unix_ms_ = s.unix_ms - static_cast<int64_t>(st.uptime_ms());
  last_uptime_ms_ = st.uptime_ms();
  json out;
  out["node"] = {
    {"name", st.name()},
    {"address", st.address()},
    {"cluster_address", st.cluster_address()},
    {"version", st.version()},
    {"started_unix_ms", started_unix_ms_},
    {"health", st.health_score()},
    {"draining", st.draining()},
    {"in_flight", st.in_flight()},
  };
  out["members"] = members_of(st);
  // Alerts keep the time they were first seen while they stay active.
  std::map<std::string, int64_t> since;
  auto alerts = json::object();
  for (auto& a : st.alerts()) {
    auto key = a.rule() + "/" + a.subject();
    auto i = alert_since_.find(key);
    auto t = i != alert_since_.end()
               ? i->second
               : s.unix_ms - static_cast<int64_t>(a.age_ms());
    since[key] = t;
    alerts[key] = {
      {"severity", troupe::v1::Severity_Name(a.severity()).substr(9)},
      {"rule", a.rule()},
      {"subject", a.subject()},
      {"message", a.message()},
      {"since_unix_ms", t},
    };
  }
  alert_since_ = std::move(since);
  out["alerts"] = std::move(alerts);
  // Rates and quantiles over the window.
  point now{s.at, {}};
  for (auto& l : s.latencies)
    now.histograms[l.skill] = l.cumulative;
  // After a pause (nobody watched), the old samples would average the
  // rates over the pause: start over.
  if (!history_.empty() && s.at - history_.back().at > window_)
    history_.clear();
  while (history_.size() > 1 && history_[1].at <= s.at - window_)
    history_.pop_front();
  const point* base = history_.empty() ? nullptr : &history_.front();
  auto seconds = base == nullptr
                   ? 0.0
                   : std::chrono::duration<double>(s.at - base->at).count();
  std::map<std::string, std::map<std::string, uint64_t>> counts;
  for (auto& c : st.counts())
    counts[c.skill()][troupe::v1::JobStatus_Name(c.status())] += c.count();
  auto loads = loads_of(st);
  auto skills = json::object();
  auto add_skill = [&](const std::string& name) -> json& {
    auto& x = skills[name];
    if (x.is_null()) {
      auto l = loads.find(name);
      auto load = l != loads.end() ? l->second : cluster_load{};
      x = {{"cluster_workers", load.workers}, {"cluster_busy", load.busy},
           {"cluster_queued", load.queued},   {"done", 0},
           {"errors", json::object()},        {"jobs_per_second", 0.0}};
    }
    return x;
  };
  for (auto& sk : st.skills()) {
    auto& x = add_skill(sk.name());
    x["kind"] = sk.kind();
    x["workers"] = sk.workers();
    x["busy"] = sk.busy();
    x["queued"] = sk.queued();
    x["queue_capacity"] = sk.queue_capacity();
  }
  for (auto& [name, load] : loads)
    add_skill(name);
  for (auto& [name, by_status] : counts) {
    if (name == "-")
      continue; // refused before any skill was looked at
    auto& x = add_skill(name);
    for (auto& [status, n] : by_status) {
      if (status == "OK")
        x["done"] = n;
      else
        x["errors"][status] = n;
    }
  }
  static const std::vector<uint64_t> none;
  for (auto& [name, hist] : now.histograms) {
    if (name == "-" || !skills.contains(name))
      continue;
    auto& x = skills[name];
    const auto* before = &none;
    if (base != nullptr) {
      auto i = base->histograms.find(name);
      if (i != base->histograms.end())
        before = &i->second;
    }
    if (seconds > 0 && !hist.empty()) {
      auto n = delta(*before, hist, hist.size() - 1);
      x["jobs_per_second"] = significant(n / seconds, 3);
    }
    if (base == nullptr)
      continue;
    auto& bounds = metrics::latency_buckets();
    if (auto p50 = latency_quantile(bounds, *before, hist, 0.5))
      x["p50_ms"] = significant(*p50 * 1000, 2);
    if (auto p99 = latency_quantile(bounds, *before, hist, 0.99))
      x["p99_ms"] = significant(*p99 * 1000, 2);
  }
  out["skills"] = std::move(skills);
  out["breakers"] = breakers_of(st);
  out["cache"] = cache_of(st);
  out["recent"] = recent_of(s.recent);
  history_.push_back(std::move(now));
  return out;
}

} // namespace troupe::http
