#pragma once

#include <string>

namespace troupe::test {

/// A file with the given content under a fresh private directory, removed
/// (with the directory) when this object goes away. For config files and
/// inputs that tests hand to real processes.
class temp_file {
 public:
  temp_file(const std::string& name, const std::string& content);
  ~temp_file();

  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const std::string& path() const {
    return path_;
  }

 private:
  std::string dir_;
  std::string path_;
};

} // namespace troupe::test
