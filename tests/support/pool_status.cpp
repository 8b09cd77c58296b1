#include "tests/support/pool_status.hpp"

#include "tests/support/process_probe.hpp"

#include <cstdlib>

namespace troupe::test {

namespace {

// The number after `"key":` in `text` from `from` on; -1 when absent.
int64_t number_after(const std::string& text, const std::string& key,
                     size_t from, size_t until) {
  auto at = text.find("\"" + key + "\":", from);
  if (at == std::string::npos || at >= until)
    return -1;
  return std::strtoll(text.c_str() + at + key.size() + 3, nullptr, 10);
}

} // namespace

int64_t skill_stat(const node_process& node, const std::string& skill,
                   const std::string& field) {
  auto res = node.cli({"status", "--json"});
  if (res.exit_code != 0)
    return -1;
  // Skill objects are flat: the field lies between the name and the next
  // closing brace.
  auto begin = res.out.find("{\"name\":\"" + skill + "\",");
  if (begin == std::string::npos)
    return -1;
  auto end = res.out.find('}', begin);
  return number_after(res.out, field, begin, end);
}

int64_t job_count(const node_process& node, const std::string& skill,
                  const std::string& status) {
  auto res = node.cli({"status", "--json"});
  if (res.exit_code != 0)
    return -1;
  auto key = "{\"skill\":\"" + skill + "\",\"status\":\"" + status + "\",";
  auto at = res.out.find(key);
  if (at == std::string::npos)
    return 0;
  return number_after(res.out, "count", at, res.out.find('}', at));
}

bool stat_becomes(const node_process& node, const std::string& skill,
                  const std::string& field, int64_t value) {
  return eventually([&] {
    return skill_stat(node, skill, field) == value;
  });
}

} // namespace troupe::test
