#include "actors/pool/child_process.hpp"

#include "config/command_path.hpp"
#include "messages/errors.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace troupe::pool {

namespace {

std::string errno_text(int code) {
  return std::strerror(code);
}

// The C arrays execve wants, built before fork: the child may only make
// async-signal-safe calls, so it must not allocate.
struct exec_args {
  std::vector<std::string> storage;
  std::vector<char*> argv;
  std::vector<char*> envp;

  exec_args(const std::string& program, const process_spec& spec) {
    storage.reserve(spec.args.size() + 1);
    storage.push_back(spec.command);
    for (auto& a : spec.args)
      storage.push_back(a);
    std::map<std::string, std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string kv{*e};
      auto eq = kv.find('=');
      if (eq != std::string::npos)
        env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (auto& [k, v] : spec.env)
      env[k] = v;
    auto argc = storage.size();
    for (auto& [k, v] : env)
      storage.push_back(k + "=" + v);
    for (size_t i = 0; i < argc; ++i)
      argv.push_back(storage[i].data());
    argv.push_back(nullptr);
    for (size_t i = argc; i < storage.size(); ++i)
      envp.push_back(storage[i].data());
    envp.push_back(nullptr);
    path = program;
  }

  std::string path;
};

struct pipe_pair {
  int read = -1;
  int write = -1;

  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return false;
    read = above_stdio(fds[0]);
    write = above_stdio(fds[1]);
    return read >= 0 && write >= 0;
  }

  // A node started with stdin, stdout or stderr closed hands out those
  // numbers again; the child's dup2 onto 0..2 must never clobber a pipe.
  static int above_stdio(int fd) {
    if (fd >= 3)
      return fd;
    auto moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    return moved;
  }

  void close_both() {
    if (read >= 0)
      ::close(read);
    if (write >= 0)
      ::close(write);
    read = write = -1;
  }
};

// In the child: report errno through `fd` and exit. Only async-signal-safe
// calls from here on.
[[noreturn]] void child_fail(int fd, int stage) {
  int report[2] = {stage, errno};
  auto n = ::write(fd, report, sizeof(report));
  (void)n;
  ::_exit(127);
}

enum child_stage : int { stage_dup = 1, stage_chdir, stage_exec };

[[noreturn]] void run_child(const exec_args& ea, const process_spec& spec,
                            pid_t parent, pipe_pair& in, pipe_pair& out,
                            pipe_pair& err, pipe_pair& report) {
  // Our own process group: a Ctrl-C in the node's terminal reaches the node,
  // which stops its workers itself; and the node can signal the group.
  ::setpgid(0, 0);
  // Die with the thread looking after us; if it is gone already, leave.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent)
    ::_exit(127);
  // The node may block or ignore signals; the program starts clean.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD})
    ::sigaction(sig, &dfl, nullptr);
  if (::dup2(in.read, 0) < 0 || ::dup2(out.write, 1) < 0
      || ::dup2(err.write, 2) < 0)
    child_fail(report.write, stage_dup);
  // Everything else the node has open (sockets, other workers' pipes)
  // stays out of the child; the report pipe closes itself on exec.
  int keep = report.write;
  if (keep > 3)
    ::close_range(3, static_cast<unsigned>(keep) - 1, 0);
  ::close_range(static_cast<unsigned>(keep) + 1, ~0u, 0);
  if (!spec.workdir.empty() && ::chdir(spec.workdir.c_str()) != 0)
    child_fail(report.write, stage_chdir);
  ::execve(ea.path.c_str(), ea.argv.data(), ea.envp.data());
  child_fail(report.write, stage_exec);
}

} // namespace

caf::expected<child_process> start_child(const process_spec& spec) {
  auto failed = [&](const std::string& why) {
    return caf::make_error(error_code::process_start_failed,
                           "cannot start '" + spec.command + "': " + why);
  };
  auto program = config::resolve_command(spec.command, spec.workdir);
  if (!program)
    return failed(message_of(program.error()));
  exec_args ea{*program, spec};
  pipe_pair in, out, err, report;
  if (!in.open() || !out.open() || !err.open() || !report.open()) {
    auto code = errno;
    in.close_both();
    out.close_both();
    err.close_both();
    report.close_both();
    return failed("cannot create pipes: " + errno_text(code));
  }
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid == 0)
    run_child(ea, spec, parent, in, out, err, report);
  auto fork_errno = errno;
  // The parent keeps its ends only.
  ::close(in.read);
  ::close(out.write);
  ::close(err.write);
  ::close(report.write);
  if (pid < 0) {
    ::close(in.write);
    ::close(out.read);
    ::close(err.read);
    ::close(report.read);
    return failed("fork failed: " + errno_text(fork_errno));
  }
  ::setpgid(pid, pid); // also here: no race with signals sent at once
  // The report pipe closes on a successful exec (EOF) or carries why not.
  int msg[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(report.read, msg, sizeof(msg));
  } while (n < 0 && errno == EINTR);
  ::close(report.read);
  if (n == static_cast<ssize_t>(sizeof(msg))) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      // retry
    }
    ::close(in.write);
    ::close(out.read);
    ::close(err.read);
    switch (msg[0]) {
      case stage_chdir:
        return failed("cannot change to working directory '" + spec.workdir
                      + "': " + errno_text(msg[1]));
      case stage_exec:
        return failed("exec of " + *program + " failed: " + errno_text(msg[1]));
      default:
        return failed("cannot set up its stdin/stdout/stderr: "
                      + errno_text(msg[1]));
    }
  }
  return child_process{pid, in.write, out.read, err.read};
}

std::string describe_exit(int status) {
  if (WIFEXITED(status))
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    auto sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig)
           + (name != nullptr ? std::string{" (SIG"} + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

} // namespace troupe::pool
