#include "actors/pool/stderr_throttle.hpp"

#include <algorithm>
#include <cstring>

namespace troupe::pool {

namespace {

constexpr int64_t one_second_ns = 1'000'000'000;

// Drops are counted this long before they are reported.
constexpr auto report_delay = std::chrono::seconds(1);

// One line of stderr must stay one line of the log, and a worker must not
// send escape sequences to whoever reads the log on a terminal.
void append_escaped(std::string& out, std::string_view in) {
  static constexpr char hex[] = "0123456789abcdef";
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
}

} // namespace

stderr_throttle::stderr_throttle(limits lim, line_fn on_line,
                                 dropped_fn on_dropped, time_point now)
    : lim_(lim), on_line_(std::move(on_line)),
      on_dropped_(std::move(on_dropped)),
      tokens_(int64_t{std::max<uint32_t>(lim.lines_per_second, 1)}
              * one_second_ns),
      refilled_(now) {
  lim_.lines_per_second = std::max<uint32_t>(lim_.lines_per_second, 1);
  lim_.max_line_bytes = std::max<size_t>(lim_.max_line_bytes, 1);
}

void stderr_throttle::feed(std::string_view data, time_point now) {
  while (!data.empty()) {
    auto* nl
      = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
    auto part = nl != nullptr ? data.substr(0, nl - data.data()) : data;
    in_line_ = true;
    auto room = lim_.max_line_bytes - line_.size();
    line_.append(part.data(), std::min(room, part.size()));
    if (part.size() > room)
      cut_ += part.size() - room;
    if (nl == nullptr)
      return;
    end_line(now);
    data.remove_prefix(part.size() + 1);
  }
}

void stderr_throttle::end_line(time_point now) {
  if (!line_.empty() && line_.back() == '\r' && cut_ == 0)
    line_.pop_back();
  if (take_token(now)) {
    tick(now);
    std::string text;
    text.reserve(line_.size() + 32);
    append_escaped(text, line_);
    if (cut_ > 0)
      text += "... (" + std::to_string(cut_) + " bytes cut)";
    on_line_(text);
  } else {
    if (dropped_++ == 0)
      report_due_ = now + report_delay;
  }
  line_.clear();
  cut_ = 0;
  in_line_ = false;
}

bool stderr_throttle::take_token(time_point now) {
  auto capacity = int64_t{lim_.lines_per_second} * one_second_ns;
  auto elapsed
    = std::chrono::duration_cast<std::chrono::nanoseconds>(now - refilled_)
        .count();
  refilled_ = now;
  if (elapsed >= one_second_ns)
    tokens_ = capacity;
  else if (elapsed > 0)
    tokens_ = std::min(capacity,
                       tokens_ + elapsed * int64_t{lim_.lines_per_second});
  if (tokens_ < one_second_ns)
    return false;
  tokens_ -= one_second_ns;
  return true;
}

void stderr_throttle::tick(time_point now) {
  if (now >= report_due_)
    report();
}

void stderr_throttle::report() {
  if (dropped_ > 0)
    on_dropped_(dropped_);
  dropped_ = 0;
  report_due_ = time_point::max();
}

void stderr_throttle::finish(time_point now) {
  if (in_line_)
    end_line(now);
  report();
}

} // namespace troupe::pool
