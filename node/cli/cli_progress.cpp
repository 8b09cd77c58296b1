#include "node/cli/cli_progress.hpp"

#include <unistd.h>

#include <string>

namespace troupe::cli {

progress_line::progress_line(std::FILE* out)
    : out_(out), enabled_(::isatty(::fileno(out)) == 1),
      start_(std::chrono::steady_clock::now()) {
  // nop
}

void progress_line::update(uint64_t done) {
  if (!enabled_)
    return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100))
    return;
  last_draw_ = now;
  draw(done);
}

void progress_line::draw(uint64_t done) {
  auto secs
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
        .count();
  auto rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  std::string line = "\r";
  if (total_ && *total_ > 0) {
    constexpr int width = 30;
    auto frac
      = std::min(1.0, static_cast<double>(done) / static_cast<double>(*total_));
    auto filled = static_cast<int>(frac * width);
    line += "[" + std::string(static_cast<size_t>(filled), '#')
            + std::string(static_cast<size_t>(width - filled), '.') + "] ";
    char buf[128];
    auto left = *total_ > done ? *total_ - done : 0;
    auto eta = rate > 0 ? static_cast<double>(left) / rate : 0.0;
    std::snprintf(buf, sizeof(buf), "%llu/%llu %3.0f%%  %.0f jobs/s  ETA %.0fs",
                  static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(*total_), frac * 100, rate,
                  eta);
    line += buf;
  } else {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%llu done  %.0f jobs/s",
                  static_cast<unsigned long long>(done), rate);
    line += buf;
  }
  line += "\033[K";
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  drawn_ = true;
}

void progress_line::clear() {
  if (!enabled_ || !drawn_)
    return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

} // namespace troupe::cli
