#include "tests/support/process_probe.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace troupe::test {

namespace {

using clock_type = std::chrono::steady_clock;

// The state letter and parent pid from /proc/PID/stat; false when gone.
bool read_stat(pid_t pid, char& state, pid_t& ppid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  if (!std::getline(in, line))
    return false;
  // The command name may hold spaces and parentheses: skip past the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return false;
  std::istringstream rest{line.substr(close + 1)};
  long parent = 0;
  rest >> state >> parent;
  ppid = static_cast<pid_t>(parent);
  return static_cast<bool>(rest);
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

} // namespace

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  auto* dir = ::opendir("/proc");
  if (dir == nullptr)
    return out;
  while (auto* e = ::readdir(dir)) {
    auto pid = static_cast<pid_t>(std::atoi(e->d_name));
    char state = 0;
    pid_t ppid = 0;
    if (pid > 0 && read_stat(pid, state, ppid) && ppid == parent)
      out.push_back(pid);
  }
  ::closedir(dir);
  return out;
}

bool running(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  return read_stat(pid, state, ppid) && state != 'Z' && state != 'X';
}

bool zombie(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  return read_stat(pid, state, ppid) && state == 'Z';
}

int open_fds(pid_t pid) {
  auto* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr)
    return -1;
  int n = 0;
  while (auto* e = ::readdir(dir))
    if (e->d_name[0] != '.')
      ++n;
  ::closedir(dir);
  return n;
}

bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds limit) {
  auto deadline = clock_type::now() + limit;
  for (;;) {
    if (pred())
      return true;
    if (clock_type::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string test_worker() {
  return TROUPE_TEST_WORKER;
}

std::string work_conf(const std::string& keys) {
  return "[skills.work]\nkind = \"process\"\ncommand = \"" + test_worker()
         + "\"\n" + keys;
}

cli_process::cli_process(const std::vector<std::string>& args) {
  std::string tmpl = "/tmp/troupe-cli-XXXXXX";
  if (auto* dir = ::mkdtemp(tmpl.data()))
    dir_ = dir;
  std::vector<std::string> all{troupe_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto out = dir_ + "/out";
  auto err = dir_ + "/err";
  pid_ = ::fork();
  if (pid_ == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = ::open("/dev/null", O_RDONLY);
    ::dup2(n, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
}

cli_process::~cli_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (dir_.rfind("/tmp/troupe-cli-", 0) == 0)
    static_cast<void>(std::system(("rm -rf '" + dir_ + "'").c_str()));
}

void cli_process::signal(int sig) const {
  if (pid_ > 0)
    ::kill(pid_, sig);
}

command_result cli_process::wait(std::chrono::seconds limit) {
  command_result r;
  int status = 0;
  auto exited = eventually(
    [&] {
      return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_;
    },
    limit);
  if (exited) {
    pid_ = -1;
    if (WIFEXITED(status))
      r.exit_code = WEXITSTATUS(status);
  }
  r.out = slurp(dir_ + "/out");
  r.err = slurp(dir_ + "/err");
  return r;
}

} // namespace troupe::test
