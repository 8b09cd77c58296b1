// libFuzzer target for troupe's JSON: the JSON reader, the JSONL job lines
// of `troupe submit --file` and the UTF-8 checks that guard every text that
// goes into a protobuf string. Beyond crashes and sanitizer findings: every
// string the reader yields is UTF-8, and sanitizing yields UTF-8.
#include "messages/wire/json_reader.hpp"
#include "messages/wire/utf8.hpp"
#include "node/client/job_line.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace {

namespace wire = troupe::wire;

void broken(const char* what) {
  troupe::fuzz::broken("json", what);
}

// Walks the value without recursion.
void check_strings(const wire::json_value& root) {
  std::vector<const wire::json_value*> todo{&root};
  while (!todo.empty()) {
    auto* v = todo.back();
    todo.pop_back();
    if (auto* s = v->get_if<std::string>()) {
      if (!troupe::utf8::valid(*s))
        broken("a string that is not UTF-8 was read");
    } else if (auto* a = v->get_if<wire::json_value::array>()) {
      for (auto& x : *a)
        todo.push_back(&x);
    } else if (auto* o = v->get_if<wire::json_value::object>()) {
      for (auto& [key, x] : *o) {
        if (!troupe::utf8::valid(key))
          broken("a member name that is not UTF-8 was read");
        todo.push_back(&x);
      }
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (auto v = wire::parse_json(text))
    check_strings(*v);
  if (auto j = troupe::client::parse_job_line(text))
    if (!troupe::utf8::valid(j->skill) || !troupe::utf8::valid(j->input))
      broken("a job line yielded text that is not UTF-8");
  auto clean = troupe::utf8::sanitized(text);
  if (!troupe::utf8::valid(clean))
    broken("sanitized text is not UTF-8");
  if (troupe::utf8::valid(text) && clean != text)
    broken("sanitizing changed valid UTF-8");
  return 0;
}
