#include "messages/supervision.hpp"
#include "messages/wire/json.hpp"
#include "node/cli/cli.hpp"

#include <cstdio>
#include <map>
#include <string>

namespace troupe::cli {

namespace {

std::string age_text(uint64_t ms) {
  if (ms < 1000)
    return std::to_string(ms) + " ms";
  if (ms < 120'000)
    return std::to_string(ms / 1000) + " s";
  return std::to_string(ms / 60'000) + " min";
}

// The top-level subtree a path belongs to: `node/skills/echo` ->
// `node/skills`, `node/router` -> `node/router`.
std::string subtree_of(const std::string& path) {
  auto root = std::string{tree_path::root} + "/";
  if (path.compare(0, root.size(), root) != 0)
    return path;
  auto end = path.find('/', root.size());
  return end == std::string::npos ? path : path.substr(0, end);
}

} // namespace

std::string health_json(const node_status& st) {
  std::string out = "{\"score\":" + std::to_string(st.health_score)
                    + ",\"draining\":" + (st.draining ? "true" : "false")
                    + ",\"alerts\":[";
  for (size_t i = 0; i < st.alerts.size(); ++i) {
    auto& a = st.alerts[i];
    out += i > 0 ? ",{\"severity\":" : "{\"severity\":";
    wire::append_json_string(out, to_string(a.level));
    out += ",\"rule\":";
    wire::append_json_string(out, a.rule);
    out += ",\"subject\":";
    wire::append_json_string(out, a.subject);
    out += ",\"message\":";
    wire::append_json_string(out, a.message);
    out += ",\"age_ms\":" + std::to_string(a.age_ms) + "}";
  }
  out += "],\"restarts\":[";
  for (size_t i = 0; i < st.restarts.size(); ++i) {
    auto& r = st.restarts[i];
    out += i > 0 ? ",{\"supervisor\":" : "{\"supervisor\":";
    wire::append_json_string(out, r.supervisor);
    out += ",\"child\":";
    wire::append_json_string(out, r.child);
    out += ",\"restarts\":" + std::to_string(r.restarts) + "}";
  }
  return out + "]}";
}

void print_health(const node_status& st) {
  std::printf("\nhealth    %u/100%s\n", st.health_score,
              st.draining ? " (draining: new jobs are refused)" : "");
  if (st.alerts.empty())
    std::printf("alerts    none\n");
  for (auto& a : st.alerts)
    std::printf("  %-8s %-12s %s (for %s)\n",
                std::string{to_string(a.level)}.c_str(), a.rule.c_str(),
                a.message.c_str(), age_text(a.age_ms).c_str());
  if (st.restarts.empty()) {
    std::printf("restarts  none\n");
    return;
  }
  std::map<std::string, uint64_t> by_subtree;
  for (auto& r : st.restarts)
    by_subtree[subtree_of(r.supervisor + "/" + r.child)] += r.restarts;
  std::printf("restarts ");
  bool first = true;
  for (auto& [subtree, n] : by_subtree) {
    std::printf("%s %s=%llu", first ? "" : ",", subtree.c_str(),
                static_cast<unsigned long long>(n));
    first = false;
  }
  std::printf("\n");
  for (auto& r : st.restarts)
    std::printf("  %-40s %llu\n", (r.supervisor + "/" + r.child).c_str(),
                static_cast<unsigned long long>(r.restarts));
}

} // namespace troupe::cli
