// libFuzzer target for tokens files (`--tokens`): the parser and its
// checks. Beyond crashes and sanitizer findings: every entry it takes
// passes the entry check and reads back from its own line.
#include "actors/door/token_file.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <string_view>

namespace {

void broken(const char* what) {
  troupe::fuzz::broken("tokens", what);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto file = troupe::door::parse_token_file(text, "fuzz.tokens");
  if (!file)
    return 0;
  for (const auto& e : file->entries) {
    if (troupe::door::check_entry(e))
      broken("an entry the check refuses was taken");
    auto line = troupe::door::format_entry(e);
    auto back = troupe::door::parse_token_file(line, "fuzz.tokens");
    if (!back || back->entries.size() != 1
        || back->entries.front().name != e.name
        || back->entries.front().role != e.role)
      broken("an entry does not read back from its line");
  }
  return 0;
}
