#include "config/command_path.hpp"

#include "messages/errors.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace troupe::config {

namespace {

// Why `path` cannot be executed, or empty when it can.
std::string not_executable(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0)
    return std::strerror(errno);
  if (S_ISDIR(sb.st_mode))
    return "is a directory";
  if (::access(path.c_str(), X_OK) != 0)
    return "is not executable";
  return {};
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty())
    return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

} // namespace

caf::expected<std::string> resolve_command(const std::string& command,
                                           const std::string& base_dir) {
  auto invalid = [&](const std::string& why) {
    return caf::make_error(error_code::invalid_config,
                           "command '" + command + "' " + why);
  };
  if (command.empty())
    return invalid("is empty");
  if (command.find('/') != std::string::npos) {
    auto path = command[0] == '/' ? command : join_path(base_dir, command);
    if (auto why = not_executable(path); !why.empty())
      return invalid("cannot be run: " + path + ": " + why);
    return path;
  }
  const char* env_path = std::getenv("PATH");
  std::string search = env_path != nullptr ? env_path : "/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= search.size()) {
    auto end = search.find(':', begin);
    if (end == std::string::npos)
      end = search.size();
    auto dir = search.substr(begin, end - begin);
    auto path = join_path(dir.empty() ? "." : dir, command);
    if (not_executable(path).empty())
      return path;
    begin = end + 1;
  }
  return invalid("was not found on PATH (" + search + ")");
}

std::string absolute_path(const std::string& path,
                          const std::string& base_dir) {
  std::filesystem::path p{path};
  if (p.is_relative())
    p = std::filesystem::path{base_dir} / p;
  return std::filesystem::absolute(p).lexically_normal().string();
}

} // namespace troupe::config
