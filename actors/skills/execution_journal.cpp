#include "actors/skills/execution_journal.hpp"

#include "messages/wire/json.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace troupe::skills {

uint64_t wall_clock_us() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
    duration_cast<microseconds>(system_clock::now().time_since_epoch())
      .count());
}

std::string next_execution_id() {
  // The start time tells apart two processes that got the same pid at
  // different times (a long chaos run restarts many).
  static const uint64_t started = wall_clock_us();
  static std::atomic<uint64_t> counter{0};
  auto n = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  return std::to_string(::getpid()) + "." + std::to_string(started) + "."
         + std::to_string(n);
}

std::string journal_line(std::string_view skill, std::string_view input,
                         std::string_view exec_id, uint64_t us) {
  std::string out = "{\"skill\":";
  wire::append_json_string(out, skill);
  out += ",\"input\":";
  wire::append_json_string(out, input);
  out += ",\"exec\":";
  wire::append_json_string(out, exec_id);
  out += ",\"us\":" + std::to_string(us) + "}\n";
  return out;
}

std::optional<std::string> append_journal_line(const std::string& path,
                                               std::string_view line) {
  auto fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                   0644);
  if (fd < 0)
    return "cannot open the journal " + path + ": " + std::strerror(errno);
  ssize_t n = 0;
  do {
    n = ::write(fd, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  auto err = errno;
  ::close(fd);
  if (n < 0)
    return "cannot write the journal " + path + ": " + std::strerror(err);
  if (static_cast<size_t>(n) != line.size())
    return "short write to the journal " + path;
  return std::nullopt;
}

} // namespace troupe::skills
