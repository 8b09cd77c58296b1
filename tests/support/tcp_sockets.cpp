#include "tests/support/tcp_sockets.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace troupe::test {

namespace {

std::set<std::string> socket_inodes(pid_t pid) {
  std::set<std::string> out;
  std::error_code ec;
  auto dir = "/proc/" + std::to_string(pid) + "/fd";
  for (auto& entry : std::filesystem::directory_iterator{dir, ec}) {
    auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (ec)
      continue;
    auto text = target.string();
    if (text.rfind("socket:[", 0) == 0)
      out.insert(text.substr(8, text.size() - 9));
  }
  return out;
}

uint16_t port_of(const std::string& address) {
  auto colon = address.rfind(':');
  return static_cast<uint16_t>(
    std::stoul(address.substr(colon + 1), nullptr, 16));
}

} // namespace

std::vector<tcp_socket> tcp_sockets_of(pid_t pid) {
  auto inodes = socket_inodes(pid);
  std::vector<tcp_socket> out;
  for (auto* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in{table};
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
      std::istringstream fields{line};
      std::string slot, local, remote, state, queues, timer, retr, uid, timeout,
        inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retr
        >> uid >> timeout >> inode;
      if (inodes.count(inode) == 0)
        continue;
      tcp_socket s;
      s.local_port = port_of(local);
      s.remote_port = port_of(remote);
      s.listening = state == "0A";
      s.established = state == "01";
      out.push_back(s);
    }
  }
  return out;
}

std::vector<uint16_t> listening_ports(pid_t pid) {
  std::vector<uint16_t> out;
  for (auto& s : tcp_sockets_of(pid))
    if (s.listening)
      out.push_back(s.local_port);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void allow_own_descriptors(size_t n) {
  rlimit own{};
  ::getrlimit(RLIMIT_NOFILE, &own);
  if (own.rlim_cur < n) {
    own.rlim_cur = std::min<rlim_t>(n, own.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &own);
  }
}

bool limit_descriptors(pid_t pid, size_t n) {
  auto cmd = "prlimit --pid " + std::to_string(pid)
             + " --nofile=" + std::to_string(n) + ":" + std::to_string(n);
  return std::system(cmd.c_str()) == 0;
}

} // namespace troupe::test
