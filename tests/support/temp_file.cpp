#include "tests/support/temp_file.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace troupe::test {

temp_file::temp_file(const std::string& name, const std::string& content) {
  std::string tmpl = "/tmp/troupe-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("cannot create a temporary directory");
  dir_ = tmpl;
  path_ = dir_ + "/" + name;
  std::ofstream out{path_, std::ios::binary};
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path_);
}

temp_file::~temp_file() {
  std::remove(path_.c_str());
  ::rmdir(dir_.c_str());
}

} // namespace troupe::test
