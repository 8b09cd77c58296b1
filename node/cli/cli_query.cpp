#include "messages/errors.hpp"
#include "messages/wire/json.hpp"
#include "node/cli/cli.hpp"

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

namespace troupe::cli {

namespace {

constexpr auto query_timeout = std::chrono::seconds(10);

struct query_options {
  node_target node;
  bool json = false;
};

std::string skill_json(const skill_info& s) {
  std::string out = "{\"name\":";
  wire::append_json_string(out, s.name);
  out += ",\"version\":";
  wire::append_json_string(out, s.version);
  out += ",\"description\":";
  wire::append_json_string(out, s.description);
  out += ",\"blocking\":";
  out += s.blocking ? "true" : "false";
  out += ",\"workers\":" + std::to_string(s.workers) + ",\"busy\":"
         + std::to_string(s.busy) + ",\"queued\":" + std::to_string(s.queued)
         + ",\"queue_capacity\":" + std::to_string(s.queue_capacity)
         + ",\"in_flight\":" + std::to_string(s.in_flight)
         + ",\"worker_restarts\":" + std::to_string(s.worker_restarts)
         + ",\"idempotent\":" + (s.idempotent ? "true" : "false")
         + ",\"idle\":" + std::to_string(s.idle)
         + ",\"starting\":" + std::to_string(s.starting)
         + ",\"min_workers\":" + std::to_string(s.min_workers)
         + ",\"max_workers\":" + std::to_string(s.max_workers) + ",\"kind\":";
  wire::append_json_string(out, s.kind);
  return out + "}";
}

// "4", or "1..8" for an elastic pool.
std::string worker_range(const skill_info& s) {
  if (s.min_workers == s.max_workers)
    return std::to_string(s.max_workers);
  return std::to_string(s.min_workers) + ".." + std::to_string(s.max_workers);
}

// Workers now, with the pool's range when it is elastic ("3 of 1..8") and
// those still starting ("2+1").
std::string workers_of(const skill_info& s) {
  auto up = s.workers - std::min(s.workers, s.starting);
  auto out = std::to_string(up);
  if (s.starting > 0)
    out += "+" + std::to_string(s.starting);
  if (s.min_workers != s.max_workers)
    out += "/" + worker_range(s);
  return out;
}

std::string member_json(const member& m) {
  std::string out = "{\"name\":";
  wire::append_json_string(out, m.name);
  out += ",\"address\":";
  wire::append_json_string(out, m.address);
  out += ",\"status\":";
  wire::append_json_string(out, to_string(m.status));
  out += ",\"incarnation\":" + std::to_string(m.incarnation)
         + ",\"health\":" + std::to_string(m.health) + ",\"jobs_per_second\":"
         + std::to_string(m.jobs_per_second) + ",\"skills\":[";
  for (size_t i = 0; i < m.skills.size(); ++i) {
    auto& s = m.skills[i];
    out += i > 0 ? ",{\"name\":" : "{\"name\":";
    wire::append_json_string(out, s.name);
    out += ",\"workers\":" + std::to_string(s.workers)
           + ",\"busy\":" + std::to_string(s.busy)
           + ",\"queued\":" + std::to_string(s.queued) + "}";
  }
  return out + "]}";
}

void print_members(const std::vector<member>& members) {
  size_t up = 0;
  for (auto& m : members)
    if (m.status == member_status::up)
      ++up;
  std::printf("\ncluster   %zu members, %zu up\n", members.size(), up);
  std::printf("%-14s %-21s %-8s %6s %6s %13s %7s %8s\n", "MEMBER", "ADDRESS",
              "STATUS", "HEALTH", "SKILLS", "BUSY/WORKERS", "QUEUED", "JOBS/S");
  for (auto& m : members) {
    uint64_t busy = 0, workers = 0, queued = 0;
    for (auto& s : m.skills) {
      busy += s.busy;
      workers += s.workers;
      queued += s.queued;
    }
    auto load = std::to_string(busy) + "/" + std::to_string(workers);
    std::printf("%-14s %-21s %-8s %6u %6zu %13s %7llu %8.0f\n", m.name.c_str(),
                m.address.c_str(), std::string{to_string(m.status)}.c_str(),
                m.health, m.skills.size(), load.c_str(),
                static_cast<unsigned long long>(queued), m.jobs_per_second);
  }
}

int show_skills(const query_options& opts, const skill_list& list) {
  if (opts.json) {
    std::string out = "[";
    for (size_t i = 0; i < list.skills.size(); ++i)
      out += (i > 0 ? "," : "") + skill_json(list.skills[i]);
    std::cout << out << "]" << std::endl;
    return exit_ok;
  }
  std::printf("%-12s %-8s %-9s %s\n", "SKILL", "WORKERS", "KIND",
              "DESCRIPTION");
  for (auto& s : list.skills)
    std::printf("%-12s %-8s %-9s %s\n", s.name.c_str(), worker_range(s).c_str(),
                s.kind.c_str(), s.description.c_str());
  return exit_ok;
}

int run_skills(const query_options& opts) {
  return run_control(
    opts.node,
    [](client::client& c) {
      return c.skills(query_timeout);
    },
    [&](const skill_list& list) {
      return show_skills(opts, list);
    });
}

// Skills with the most hits shown by `troupe status`.
constexpr size_t top_skills = 5;

double hit_rate(const cache_status& c) {
  auto lookups = c.hits + c.misses + c.coalesced;
  return lookups > 0 ? static_cast<double>(c.hits) / lookups : 0.0;
}

std::string cache_json(const cache_status& c) {
  auto u = [](uint64_t x) {
    return std::to_string(x);
  };
  char rate[32];
  std::snprintf(rate, sizeof(rate), "%.4f", hit_rate(c));
  std::string out
    = "{\"shards\":" + u(c.shards) + ",\"hits\":" + u(c.hits)
      + ",\"misses\":" + u(c.misses) + ",\"coalesced\":" + u(c.coalesced)
      + ",\"bypassed\":" + u(c.bypassed) + ",\"refreshed\":" + u(c.refreshed)
      + ",\"hit_rate\":" + rate + ",\"entries\":" + u(c.entries) + ",\"bytes\":"
      + u(c.bytes) + ",\"budget\":" + u(c.budget) + ",\"evictions\":{\"size\":"
      + u(c.evicted_size) + ",\"ttl\":" + u(c.evicted_ttl) + ",\"admission\":"
      + u(c.rejected_admission) + ",\"too_large\":" + u(c.rejected_too_large)
      + "},\"refresh_aheads\":" + u(c.refresh_aheads)
      + ",\"in_flight\":" + u(c.in_flight) + ",\"top_skills\":[";
  for (size_t i = 0; i < c.skills.size() && i < top_skills; ++i) {
    out += i > 0 ? ",{\"skill\":" : "{\"skill\":";
    wire::append_json_string(out, c.skills[i].skill);
    out += ",\"hits\":" + u(c.skills[i].hits)
           + ",\"misses\":" + u(c.skills[i].misses) + "}";
  }
  return out + "]}";
}

void print_cache(const cache_status& c) {
  using ull = unsigned long long;
  if (c.shards == 0) {
    std::printf("\ncache: off\n");
    return;
  }
  auto mib = [](uint64_t x) {
    return static_cast<double>(x) / (1024.0 * 1024.0);
  };
  std::printf(
    "\ncache: %u shard(s), %llu entries, %.1f of %.1f MiB\n"
    "  hit rate %.1f%% (hits %llu, misses %llu, coalesced %llu, "
    "bypassed %llu, refreshed %llu)\n"
    "  evictions: size %llu, ttl %llu, admission rejected %llu, too "
    "large %llu; refresh-aheads %llu\n",
    c.shards, static_cast<ull>(c.entries), mib(c.bytes), mib(c.budget),
    100.0 * hit_rate(c), static_cast<ull>(c.hits), static_cast<ull>(c.misses),
    static_cast<ull>(c.coalesced), static_cast<ull>(c.bypassed),
    static_cast<ull>(c.refreshed), static_cast<ull>(c.evicted_size),
    static_cast<ull>(c.evicted_ttl), static_cast<ull>(c.rejected_admission),
    static_cast<ull>(c.rejected_too_large), static_cast<ull>(c.refresh_aheads));
  if (c.skills.empty())
    return;
  std::printf("  top skills:");
  for (size_t i = 0; i < c.skills.size() && i < top_skills; ++i)
    std::printf("%s %s %llu hits", i > 0 ? "," : "", c.skills[i].skill.c_str(),
                static_cast<ull>(c.skills[i].hits));
  std::printf("\n");
}

int show_status(const query_options& opts, const node_status& st) {
  // status -> total over all skills, for the summary line
  std::map<std::string, uint64_t> totals;
  for (auto& jc : st.counts)
    totals[std::string{to_string(jc.status)}] += jc.count;
  if (opts.json) {
    std::string out = "{\"name\":";
    wire::append_json_string(out, st.name);
    out += ",\"address\":";
    wire::append_json_string(out, st.address);
    out += ",\"version\":";
    wire::append_json_string(out, st.version);
    out += ",\"uptime_ms\":" + std::to_string(st.uptime_ms);
    out += ",\"in_flight\":" + std::to_string(st.in_flight);
    out += ",\"skills\":[";
    for (size_t i = 0; i < st.skills.size(); ++i)
      out += (i > 0 ? "," : "") + skill_json(st.skills[i]);
    out += "],\"jobs\":{";
    bool first = true;
    for (auto& [status, n] : totals) {
      out += first ? "" : ",";
      first = false;
      wire::append_json_string(out, status);
      out += ":" + std::to_string(n);
    }
    out += "},\"members\":[";
    for (size_t i = 0; i < st.members.size(); ++i)
      out += (i > 0 ? "," : "") + member_json(st.members[i]);
    out += "],\"jobs_by_skill\":[";
    for (size_t i = 0; i < st.counts.size(); ++i) {
      auto& jc = st.counts[i];
      out += i > 0 ? ",{\"skill\":" : "{\"skill\":";
      wire::append_json_string(out, jc.skill);
      out += ",\"status\":";
      wire::append_json_string(out, to_string(jc.status));
      out += ",\"count\":" + std::to_string(jc.count) + "}";
    }
    out += "],\"cache\":" + cache_json(st.cache) + ",\"breakers\":[";
    for (size_t i = 0; i < st.breakers.size(); ++i)
      out += (i > 0 ? "," : "") + breaker_json(st.breakers[i]);
    std::cout << out << "],\"health\":" << health_json(st) << "}" << std::endl;
    return exit_ok;
  }
  std::printf("node      %s (%s)\nversion   %s\nuptime    %.1f s\n"
              "in flight %llu\n\n",
              st.name.c_str(), st.address.c_str(), st.version.c_str(),
              static_cast<double>(st.uptime_ms) / 1000.0,
              static_cast<unsigned long long>(st.in_flight));
  std::printf("%-12s %-9s %8s %6s %6s %8s %10s %9s\n", "SKILL", "KIND",
              "WORKERS", "BUSY", "IDLE", "QUEUED", "CAPACITY", "RESTARTS");
  for (auto& s : st.skills)
    std::printf("%-12s %-9s %8s %6u %6u %8llu %10llu %9u\n", s.name.c_str(),
                s.kind.c_str(), workers_of(s).c_str(), s.busy, s.idle,
                static_cast<unsigned long long>(s.queued),
                static_cast<unsigned long long>(s.queue_capacity),
                s.worker_restarts);
  if (!st.members.empty())
    print_members(st.members);
  print_cache(st.cache);
  if (!st.breakers.empty()) {
    std::printf("\n");
    print_breakers(st.breakers);
  }
  std::printf("\njobs:");
  if (totals.empty())
    std::printf(" none yet");
  for (auto& [status, n] : totals)
    std::printf(" %s=%llu", status.c_str(), static_cast<unsigned long long>(n));
  std::printf("\n");
  print_health(st);
  return exit_ok;
}

int run_status(const query_options& opts) {
  return run_control(
    opts.node,
    [](client::client& c) {
      return c.status(query_timeout);
    },
    [&](const node_status& st) {
      return show_status(opts, st);
    });
}

} // namespace

std::pair<CLI::App*, command_runner> add_skills_command(CLI::App& app) {
  auto opts = std::make_shared<query_options>();
  auto* sub = app.add_subcommand("skills", "list the skills a node offers");
  add_node_option(*sub, opts->node);
  sub->add_flag("--json", opts->json, "print JSON");
  return {sub, [opts] {
            return run_skills(*opts);
          }};
}

std::pair<CLI::App*, command_runner> add_status_command(CLI::App& app) {
  auto opts = std::make_shared<query_options>();
  auto* sub = app.add_subcommand(
    "status", "show a node's skills, load, job counts, health and restarts");
  add_node_option(*sub, opts->node);
  sub->add_flag("--json", opts->json, "print JSON");
  return {sub, [opts] {
            return run_status(*opts);
          }};
}

} // namespace troupe::cli
