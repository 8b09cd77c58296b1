#include "messages/errors.hpp"
#include "messages/wire/json.hpp"
#include "node/cli/cli.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

namespace troupe::cli {

namespace {

constexpr auto command_timeout = std::chrono::seconds(10);

struct breaker_options {
  node_target node;
  std::string skill;
  bool force_open = false;
  bool force_close = false;
  bool reset = false;
  bool json = false;
};

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", x);
  return buf;
}

uint64_t millis(caf::timespan x) {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(x).count());
}

// The state as `troupe status` shows it; "off" for a skill that only
// retries.
std::string shown_state(const breaker_status& b) {
  return b.enabled ? std::string{to_string(b.state)} : "off";
}

int run_breaker(const breaker_options& opts) {
  auto command = breaker_command::show;
  if (opts.force_open)
    command = breaker_command::force_open;
  else if (opts.force_close)
    command = breaker_command::force_close;
  else if (opts.reset)
    command = breaker_command::reset;
  return run_control(
    opts.node,
    [&](client::client& c) {
      return c.breaker(opts.skill, command, command_timeout);
    },
    [&](const breaker_status& b) {
      if (opts.json)
        std::cout << breaker_json(b) << std::endl;
      else
        print_breakers({b});
      return exit_ok;
    });
}

} // namespace

std::string breaker_json(const breaker_status& b) {
  auto u = [](uint64_t x) {
    return std::to_string(x);
  };
  std::string out = "{\"skill\":";
  wire::append_json_string(out, b.skill);
  out += ",\"enabled\":";
  out += b.enabled ? "true" : "false";
  out += ",\"state\":";
  wire::append_json_string(out, shown_state(b));
  out += ",\"calls\":" + u(b.calls) + ",\"failures\":" + u(b.failures)
         + ",\"slow_calls\":" + u(b.slow_calls) + ",\"failure_rate\":"
         + number(b.failure_rate) + ",\"slow_call_rate\":"
         + number(b.slow_call_rate) + ",\"minimum_calls\":" + u(b.minimum_calls)
         + ",\"failure_rate_threshold\":" + number(b.failure_rate_threshold)
         + ",\"slow_call_rate_threshold\":" + number(b.slow_call_rate_threshold)
         + ",\"until_half_open_ms\":" + u(millis(b.until_half_open))
         + ",\"trial_calls\":" + u(b.trial_calls) + ",\"half_open_calls\":"
         + u(b.half_open_calls) + ",\"trips\":" + u(b.trips)
         + ",\"rejected\":" + u(b.rejected) + ",\"fallbacks\":" + u(b.fallbacks)
         + ",\"retries\":" + u(b.retries) + ",\"fallback\":";
  wire::append_json_string(out, b.fallback);
  return out + "}";
}

void print_breakers(const std::vector<breaker_status>& all) {
  using ull = unsigned long long;
  std::printf("%-12s %-13s %6s %7s %7s %10s %9s %8s %7s  %s\n", "BREAKER",
              "STATE", "CALLS", "FAILED", "SLOW", "HALF-OPEN", "REJECTED",
              "RETRIES", "TRIPS", "FALLBACK");
  for (auto& b : all) {
    std::string until = "-";
    if (b.enabled && b.state == circuit_state::open) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "in %.1fs",
                    std::chrono::duration<double>(b.until_half_open).count());
      until = buf;
    } else if (b.enabled && b.state == circuit_state::half_open) {
      until = std::to_string(b.trial_calls) + "/"
              + std::to_string(b.half_open_calls) + " tr";
    }
    char failed[16];
    char slow[16];
    std::snprintf(failed, sizeof(failed), "%.1f%%", b.failure_rate);
    std::snprintf(slow, sizeof(slow), "%.1f%%", b.slow_call_rate);
    std::printf(
      "%-12s %-13s %6llu %7s %7s %10s %9llu %8llu %7llu  %s\n", b.skill.c_str(),
      shown_state(b).c_str(), static_cast<ull>(b.calls),
      b.enabled ? failed : "-", b.enabled ? slow : "-", until.c_str(),
      static_cast<ull>(b.rejected), static_cast<ull>(b.retries),
      static_cast<ull>(b.trips), b.fallback.empty() ? "-" : b.fallback.c_str());
  }
}

std::pair<CLI::App*, command_runner> add_breaker_command(CLI::App& app) {
  auto opts = std::make_shared<breaker_options>();
  auto* sub = app.add_subcommand(
    "breaker", "show a skill's circuit breaker, or force it open or closed");
  add_node_option(*sub, opts->node);
  sub->add_option("--skill", opts->skill, "the skill whose breaker to use")
    ->required();
  auto* open = sub->add_flag("--force-open", opts->force_open,
                             "reject the skill's jobs (or answer them with "
                             "its fallback) until reset");
  auto* close = sub->add_flag("--force-close", opts->force_close,
                              "let every job through and never trip until "
                              "reset");
  auto* reset = sub->add_flag("--reset", opts->reset,
                              "back to closed with an empty window, ending "
                              "a forced state");
  open->excludes(close)->excludes(reset);
  close->excludes(reset);
  sub->add_flag("--json", opts->json, "print JSON");
  return {sub, [opts] {
            return run_breaker(*opts);
          }};
}

} // namespace troupe::cli
