// A process skill worker for troupe's tests and benchmarks, speaking the
// worker protocol (docs/skills.md) through messages/wire/worker_codec. It
// echoes its input, except for inputs that ask it to misbehave:
//
//   sleep:MS      answer "slept MS" after MS milliseconds
//   sleep1:MS     the same on the job's first attempt; at once on others
//   hang          never answer (SIGTERM ends it)
//   hang-hard     never answer and ignore SIGTERM (only SIGKILL ends it)
//   exit:N        exit with code N mid-job
//   fail:TEXT     fail the job (SKILL_ERROR) with TEXT
//   bad:TEXT      refuse the input (BAD_INPUT) with TEXT
//   stderr:TEXT   write TEXT to stderr, then answer "logged"
//   pid           answer its process id
//   fds           answer its open file descriptors, e.g. "0,1,2"
//   env:NAME      answer the value of the environment variable NAME
//   cwd           answer its working directory
//   attempt       answer the job's attempt number
//   garbage       answer with a frame that is not a WorkerResponse
//   mute          answer "ok", then ignore pings from then on
//
// Options: --no-pong (never answer a ping: it never starts), --exit-at-start
// N (exit with code N before reading anything).
//
// Misbehaving from the start, whatever the jobs say:
//   --exit-after-pong N  answer the first ping, then exit with code N
//   --garbage-at-start   write bytes that are no frame before reading anything
//   --garbage-jobs       answer pings, but every job with a broken frame
//   --flood-stderr       write to stderr without pause (short lines, now and
//                        then one of 100 KB) while serving jobs as usual
#include "messages/wire/worker_codec.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

namespace wc = troupe::wire::worker_codec;

namespace {

bool read_all(int fd, char* buf, size_t n) {
  while (n > 0) {
    auto got = ::read(fd, buf, n);
    if (got <= 0)
      return false;
    buf += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    auto n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0)
      std::exit(3);
    off += static_cast<size_t>(n);
  }
}

bool starts_with(std::string_view x, std::string_view prefix) {
  return x.substr(0, prefix.size()) == prefix;
}

std::string open_fds() {
  std::string out;
  auto* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr)
    return "?";
  auto self = ::dirfd(dir);
  while (auto* e = ::readdir(dir)) {
    if (e->d_name[0] == '.' || std::atoi(e->d_name) == self)
      continue;
    out += (out.empty() ? "" : ",") + std::string{e->d_name};
  }
  ::closedir(dir);
  return out;
}

// Writes to stderr as fast as it can, forever: a chatty or hostile worker.
void flood_stderr() {
  std::string line(120, 'x');
  line += '\n';
  std::string long_line(100'000, 'y');
  long_line += '\n';
  for (uint64_t n = 0;; ++n) {
    auto& x = n % 100 == 99 ? long_line : line;
    if (::write(2, x.data(), x.size()) < 0)
      return;
  }
}

void sleep_forever() {
  for (;;)
    std::this_thread::sleep_for(std::chrono::hours(1));
}

// Runs one job; the response it sends (or nothing, when it misbehaves).
wc::response run_job(const wc::request& req, bool& mute) {
  wc::response resp;
  resp.id = req.id;
  resp.what = wc::response::kind::output;
  std::string_view in{req.input};
  if (starts_with(in, "sleep:") || starts_with(in, "sleep1:")) {
    auto first_only = in[5] == '1';
    auto ms = std::atoi(req.input.c_str() + (first_only ? 7 : 6));
    if (!first_only || req.attempt <= 1)
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    resp.data = "slept " + std::to_string(ms) + " on attempt "
                + std::to_string(req.attempt);
  } else if (in == "hang") {
    sleep_forever();
  } else if (in == "hang-hard") {
    ::signal(SIGTERM, SIG_IGN);
    sleep_forever();
  } else if (starts_with(in, "exit:")) {
    std::exit(std::atoi(req.input.c_str() + 5));
  } else if (starts_with(in, "fail:")) {
    resp.what = wc::response::kind::error;
    resp.data = req.input.substr(5);
  } else if (starts_with(in, "bad:")) {
    resp.what = wc::response::kind::bad_input;
    resp.data = req.input.substr(4);
  } else if (starts_with(in, "stderr:")) {
    std::fprintf(stderr, "%s\n", req.input.c_str() + 7);
    std::fflush(stderr);
    resp.data = "logged";
  } else if (in == "pid") {
    resp.data = std::to_string(::getpid());
  } else if (in == "fds") {
    resp.data = open_fds();
  } else if (starts_with(in, "env:")) {
    auto* v = std::getenv(req.input.c_str() + 4);
    resp.data = v != nullptr ? v : "";
  } else if (in == "cwd") {
    char buf[4096];
    resp.data = ::getcwd(buf, sizeof(buf)) != nullptr ? buf : "?";
  } else if (in == "attempt") {
    resp.data = std::to_string(req.attempt);
  } else if (in == "mute") {
    mute = true;
    resp.data = "ok";
  } else {
    resp.data = req.input;
  }
  return resp;
}

} // namespace

// Misbehaviour chosen on the command line rather than by a job.
struct start_modes {
  int exit_after_pong = -1;
  bool garbage_jobs = false;
};

start_modes misbehaviour(int argc, char** argv) {
  start_modes m;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--exit-after-pong" && i + 1 < argc)
      m.exit_after_pong = std::atoi(argv[++i]);
    else if (arg == "--garbage-jobs")
      m.garbage_jobs = true;
    else if (arg == "--garbage-at-start")
      write_all(1, "this is no frame\n");
    else if (arg == "--flood-stderr")
      std::thread{flood_stderr}.detach();
  }
  return m;
}

int main(int argc, char** argv) {
  bool pong = true;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--no-pong")
      pong = false;
    else if (arg == "--exit-at-start" && i + 1 < argc)
      return std::atoi(argv[++i]);
  }
  auto modes = misbehaviour(argc, argv);
  bool mute = false;
  std::string out;
  for (;;) {
    unsigned char prefix[wc::prefix_bytes];
    if (!read_all(0, reinterpret_cast<char*>(prefix), sizeof(prefix)))
      return 0; // EOF: the node asks us to exit
    size_t len = (size_t{prefix[0]} << 24) | (size_t{prefix[1]} << 16)
                 | (size_t{prefix[2]} << 8) | size_t{prefix[3]};
    std::string payload(len, '\0');
    if (!read_all(0, payload.data(), len))
      return 0;
    auto req = wc::decode_request(payload);
    if (!req)
      return 4;
    out.clear();
    if (req->what == wc::request::kind::ping) {
      if (!pong || mute)
        continue;
      wc::response resp;
      resp.id = req->id;
      resp.what = wc::response::kind::pong;
      wc::append_response(out, resp);
      if (modes.exit_after_pong >= 0) {
        write_all(1, out);
        return modes.exit_after_pong;
      }
    } else if (req->input == "garbage" || modes.garbage_jobs) {
      out = std::string("\0\0\0\3\xff\xff\xff", 7);
    } else {
      wc::append_response(out, run_job(*req, mute));
    }
    write_all(1, out);
  }
}
