#pragma once

#include <string>

namespace troupe::test {

/// A fresh private directory under /tmp, removed with everything in it
/// when this object goes away.
struct temp_dir {
  std::string path;

  temp_dir();
  ~temp_dir();

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

/// Output (stdout and stderr) of a shell command, for tools such as
/// `openssl` that tests use to look at what troupe wrote.
std::string shell(const std::string& cmd);

} // namespace troupe::test
