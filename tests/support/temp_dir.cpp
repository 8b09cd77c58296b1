#include "tests/support/temp_dir.hpp"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>

namespace troupe::test {

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/troupe-test-XXXXXX";
  if (auto* p = ::mkdtemp(tmpl))
    path = p;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  if (!path.empty())
    std::filesystem::remove_all(path, ec);
}

std::string shell(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

} // namespace troupe::test
