#include "config/config_file.hpp"

#include "config/cache_config.hpp"
#include "config/cluster_config.hpp"
#include "config/config_reader.hpp"
#include "config/health_config.hpp"
#include "config/supervision_config.hpp"
#include "messages/errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace troupe::config {

namespace {

caf::error cannot_read(const std::string& path, const std::string& why) {
  return caf::make_error(error_code::invalid_config,
                         path + ": cannot read the config file (" + why + ")");
}

// The whole file, read with POSIX calls so that the reason of a failure
// (errno) can be told; std::ifstream would read a directory as empty.
caf::expected<std::string> read_text(const std::string& path) {
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cannot_read(path, std::strerror(errno));
  struct stat sb;
  if (::fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    ::close(fd);
    return cannot_read(path, "it is a directory");
  }
  std::string text;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    auto n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = errno;
      ::close(fd);
      return cannot_read(path, std::strerror(err));
    }
    if (n == 0)
      break;
    if (text.size() + static_cast<size_t>(n) > max_config_file_bytes) {
      ::close(fd);
      return caf::make_error(error_code::invalid_config,
                             path + ": larger than "
                               + bytes_literal(max_config_file_bytes)
                               + "; a config file is a few KiB of text");
    }
    text.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

} // namespace

caf::expected<caf::settings> read_config_file(const std::string& path) {
  auto text = read_text(path);
  if (!text)
    return text.error();
  return parse_config_text(*text, path);
}

caf::expected<file_config> read_file_config(const caf::settings& tree,
                                            const std::string& origin,
                                            node_config defaults) {
  config_reader root{origin, tree};
  // Paths in the file are relative to the file (not to where the node runs).
  auto base_dir = std::filesystem::absolute(std::filesystem::path{origin})
                    .parent_path()
                    .string();
  file_config out;
  out.node = std::move(defaults);
  if (auto node = root.section("node"))
    read_node_section(*node, out.node);
  if (auto cluster = root.section("cluster"))
    read_cluster_section(*cluster, out.node.cluster, base_dir);
  if (auto tls = root.section("tls"))
    read_tls_section(*tls, out.node.door, base_dir);
  if (auto door = root.section("door"))
    read_door_section(*door, out.node.door, base_dir);
  if (auto cache = root.section("cache"))
    read_cache_section(*cache, out.node.cache);
  if (auto sup = root.section("supervision"))
    read_supervision_section(*sup, out.node.supervision);
  if (auto health = root.section("health"))
    read_health_section(*health, out.node.health);
  if (auto skills = root.section("skills"))
    for (auto& name : skills->keys())
      if (auto sec = skills->section(name)) {
        skill_config sc;
        sc.name = name;
        read_skill_section(*sec, sc, base_dir);
        out.skills.push_back(std::move(sc));
      }
  if (auto err = root.finish())
    return err;
  return out;
}

caf::expected<file_config> load_config_file(const std::string& path,
                                            node_config defaults) {
  auto tree = read_config_file(path);
  if (!tree)
    return tree.error();
  return read_file_config(*tree, path, std::move(defaults));
}

} // namespace troupe::config
