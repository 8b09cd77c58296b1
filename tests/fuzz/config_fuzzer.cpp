// libFuzzer target for everything that reads configuration text: the config
// file parser, the checked reader over its tree, and the duration and size
// parsers of the command line. Beyond crashes and sanitizer findings it
// checks that what parses is within troupe's limits and reads back the same.
// scripts/fuzz.sh runs it; the normal build replays its corpus.
#include "config/config_file.hpp"
#include "config/config_parser.hpp"
#include "config/units.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

void broken(const char* what) {
  troupe::fuzz::broken("config", what);
}

// Levels of nesting of `x`, walked without recursion so that a parser
// that let too deep a tree through is reported, not a stack overflow here.
size_t depth_of(const caf::settings& root) {
  struct item {
    const caf::config_value* value;
    size_t depth;
  };
  std::vector<item> todo;
  for (auto& kv : root)
    todo.push_back({&kv.second, 1});
  size_t deepest = 0;
  while (!todo.empty()) {
    auto [value, depth] = todo.back();
    todo.pop_back();
    if (auto* map = caf::get_if<caf::settings>(&value->get_data())) {
      deepest = std::max(deepest, depth);
      for (auto& kv : *map)
        todo.push_back({&kv.second, depth + 1});
    } else if (auto* list
               = caf::get_if<caf::config_value::list>(&value->get_data())) {
      deepest = std::max(deepest, depth);
      for (auto& x : *list)
        todo.push_back({&x, depth + 1});
    }
  }
  return deepest;
}

void check_config_text(std::string_view text) {
  auto tree = troupe::config::parse_config_text(text, "fuzz.conf");
  if (!tree)
    return;
  if (depth_of(*tree) > troupe::config::max_config_depth)
    broken("a tree deeper than max_config_depth was accepted");
  // The reader must cope with any tree the parser gives it.
  auto cfg = troupe::config::read_file_config(*tree, "fuzz.conf");
  (void)cfg;
}

// What parses is non-negative, in range and reads back from its literal.
void check_quantities(const std::string& line) {
  if (auto d = troupe::config::parse_duration(line)) {
    if (*d < caf::timespan{0})
      broken("a negative duration was accepted");
    auto back
      = troupe::config::parse_duration(troupe::config::duration_literal(*d));
    if (!back || *back != *d)
      broken("a duration does not read back from its literal");
  }
  if (auto b = troupe::config::parse_bytes(line)) {
    if (*b > troupe::config::max_size)
      broken("a size above max_size was accepted");
    auto back = troupe::config::parse_bytes(troupe::config::bytes_literal(*b));
    if (!back || *back != *b)
      broken("a size does not read back from its literal");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  check_config_text(text);
  check_quantities(std::string{text.substr(0, text.find('\n'))});
  return 0;
}
