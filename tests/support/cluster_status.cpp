#include "tests/support/cluster_status.hpp"

#include <chrono>
#include <thread>

namespace troupe::test {

namespace {

constexpr int polls = 300;
constexpr auto poll_interval = std::chrono::milliseconds(50);

// The JSON record of member `name` in a status document, or "".
std::string member_record(const std::string& status_json,
                          const std::string& name) {
  auto at = status_json.find("{\"name\":\"" + name + "\",\"address\":");
  if (at == std::string::npos)
    return "";
  auto end = status_json.find("]}", at);
  return status_json.substr(at, end == std::string::npos ? end : end - at);
}

} // namespace

std::string member_status_of(const node_process& node,
                             const std::string& name) {
  auto res = node.cli({"status", "--json"});
  if (res.exit_code != 0)
    return "";
  auto rec = member_record(res.out, name);
  auto key = rec.find("\"status\":\"");
  if (key == std::string::npos)
    return "";
  key += 10;
  return rec.substr(key, rec.find('"', key) - key);
}

bool sees(const node_process& node, const std::string& name,
          const std::string& status) {
  for (int i = 0; i < polls; ++i) {
    if (member_status_of(node, name) == status)
      return true;
    std::this_thread::sleep_for(poll_interval);
  }
  return false;
}

bool knows_skill(const node_process& node, const std::string& name,
                 const std::string& skill) {
  for (int i = 0; i < polls; ++i) {
    auto res = node.cli({"status", "--json"});
    if (member_record(res.out, name).find("{\"name\":\"" + skill + "\"")
        != std::string::npos)
      return true;
    std::this_thread::sleep_for(poll_interval);
  }
  return false;
}

std::vector<std::string>
member_args(const std::string& name, const node_process* seed,
            const std::string& config, bool test_skills) {
  std::vector<std::string> out{"--name", name, "--config", config};
  if (seed != nullptr) {
    out.push_back("--join");
    out.push_back(seed->cluster_address());
  }
  if (test_skills)
    out.push_back("--test-skills");
  return out;
}

} // namespace troupe::test
