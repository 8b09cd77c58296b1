#include "tests/support/node_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace troupe::test {

namespace {

using clock = std::chrono::steady_clock;

std::string make_temp_dir() {
  std::string tmpl = "/tmp/troupe-test-XXXXXX";
  auto* dir = ::mkdtemp(tmpl.data());
  return dir ? std::string{dir} : std::string{"/tmp"};
}

std::vector<char*> to_argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args)
    out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// Waits for `pid` up to `limit`; returns the waitpid status or -1.
int wait_bounded(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = clock::now() + limit;
  for (;;) {
    int status = 0;
    auto res = ::waitpid(pid, &status, WNOHANG);
    if (res == pid)
      return status;
    if (res < 0)
      return -1;
    if (clock::now() >= deadline)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

} // namespace

std::string troupe_binary() {
  if (auto* env = std::getenv("TROUPE_BINARY"))
    return env;
  return TROUPE_BINARY;
}

command_result run_troupe(const std::vector<std::string>& args,
                          const std::string& input,
                          std::chrono::seconds limit) {
  command_result result;
  // A command that exits before reading all its input must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0
      || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    return result;
  std::vector<std::string> argv_str{troupe_binary()};
  argv_str.insert(argv_str.end(), args.begin(), args.end());
  auto argv = to_argv(argv_str);
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  // Feed stdin from a thread so a large input cannot deadlock with output.
  std::thread writer([fd = in_pipe[1], &input] {
    size_t off = 0;
    while (off < input.size()) {
      auto n = ::write(fd, input.data() + off, input.size() - off);
      if (n <= 0)
        break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  });
  auto deadline = clock::now() + limit;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  bool killed = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - clock::now())
                  .count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (::poll(fds, 2, static_cast<int>(std::min<long>(left, 1000))) < 0
        && errno != EINTR)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      auto n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0)
      ::close(f.fd);
  writer.join();
  auto status = wait_bounded(pid, std::chrono::seconds(10));
  if (status == -1) {
    ::kill(pid, SIGKILL);
    status = wait_bounded(pid, std::chrono::seconds(5));
  }
  if (!killed && status != -1 && WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  return result;
}

node_process::node_process(std::vector<std::string> extra_args)
    : dir_(make_temp_dir()) {
  auto port_file = dir_ + "/port";
  auto log_file = dir_ + "/node.log";
  std::vector<std::string> args{troupe_binary(), "node", "--port-file",
                                port_file};
  auto given = [&](const char* opt) {
    return std::find(extra_args.begin(), extra_args.end(), opt)
           != extra_args.end();
  };
  // Loopback and an OS-chosen port unless the test picks them (a restart
  // on the same port, say).
  if (!given("--host")) {
    args.push_back("--host");
    args.push_back("127.0.0.1");
  } else {
    auto at = std::find(extra_args.begin(), extra_args.end(), "--host");
    // A node listening everywhere is reached on loopback.
    if (at + 1 != extra_args.end() && at[1] != "0.0.0.0")
      host_ = at[1];
  }
  if (!given("--port")) {
    args.push_back("--port");
    args.push_back("0");
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto argv = to_argv(args);
  pid_ = ::fork();
  if (pid_ == 0) {
    int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Bounded wait for the port file (the node writes it once listening):
  // the client port, then the cluster port, one a line.
  auto deadline = clock::now() + std::chrono::seconds(20);
  while (clock::now() < deadline) {
    std::ifstream in{port_file};
    unsigned port = 0;
    unsigned cluster_port = 0;
    if (in >> port >> cluster_port && port > 0 && cluster_port > 0) {
      port_ = static_cast<uint16_t>(port);
      cluster_port_ = static_cast<uint16_t>(cluster_port);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return; // exited early; ready() stays false
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

node_process::~node_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (wait_bounded(pid_, std::chrono::seconds(5)) == -1) {
      ::kill(pid_, SIGKILL);
      wait_bounded(pid_, std::chrono::seconds(5));
    }
  }
  std::string cmd = "rm -rf '" + dir_ + "'";
  if (dir_.rfind("/tmp/troupe-test-", 0) == 0)
    static_cast<void>(std::system(cmd.c_str()));
}

std::string node_process::address() const {
  return host_ + ":" + std::to_string(port_);
}

std::string node_process::cluster_address() const {
  return host_ + ":" + std::to_string(cluster_port_);
}

std::vector<std::string> node_process::same_ports() const {
  return {"--port", std::to_string(port_), "--cluster-port",
          std::to_string(cluster_port_)};
}

command_result node_process::cli(std::vector<std::string> args,
                                 const std::string& input) const {
  args.push_back("--node");
  args.push_back(address());
  return run_troupe(args, input);
}

int node_process::stop(int sig, std::chrono::seconds limit) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, sig);
  auto status = wait_bounded(pid_, limit);
  if (status != -1)
    pid_ = -1;
  return status;
}

void node_process::signal(int sig) const {
  if (pid_ > 0)
    ::kill(pid_, sig);
}

std::string node_process::log() const {
  std::ifstream in{dir_ + "/node.log"};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

} // namespace troupe::test
