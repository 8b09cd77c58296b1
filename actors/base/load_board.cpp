#include "actors/base/load_board.hpp"

#include <string>

namespace troupe::base {

load_board::counter_ptr load_board::counter_for(const std::string& key) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& c = counters_[key];
  if (!c)
    c = std::make_shared<counter>(0);
  return c;
}

std::string load_board::member_key(const std::string& member,
                                   const std::string& skill) {
  // Length-prefixed, so that no two (member, skill) pairs share a key.
  return std::to_string(member.size()) + ':' + member + skill;
}

} // namespace troupe::base
