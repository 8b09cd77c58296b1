// `troupe drain --node H:P`: tells a node to drain (leave its cluster,
// refuse new jobs, finish those in flight within its drain timeout, exit)
// and prints what it answered.
#include "messages/wire/json.hpp"
#include "node/cli/cli.hpp"

#include <chrono>
#include <iostream>
#include <memory>

namespace troupe::cli {

namespace {

constexpr auto command_timeout = std::chrono::seconds(10);

struct drain_options {
  node_target node;
  bool json = false;
};

int run_drain(const drain_options& opts) {
  return run_control(
    opts.node,
    [](client::client& c) {
      return c.drain(command_timeout);
    },
    [&](const client::drain_reply& reply) {
      if (opts.json) {
        std::string out = "{\"in_flight\":" + std::to_string(reply.in_flight)
                          + ",\"message\":";
        wire::append_json_string(out, reply.message);
        std::cout << out << "}" << std::endl;
      } else {
        std::cout << reply.message << " (" << reply.in_flight
                  << " job(s) in flight)" << std::endl;
      }
      return exit_ok;
    });
}

} // namespace

std::pair<CLI::App*, command_runner> add_drain_command(CLI::App& app) {
  auto opts = std::make_shared<drain_options>();
  auto* sub = app.add_subcommand(
    "drain", "make a node leave its cluster, finish its jobs in flight and "
             "exit");
  add_node_option(*sub, opts->node);
  sub->add_flag("--json", opts->json, "print JSON");
  sub->footer("Exit codes: 0 draining, 2 refused, 3 unreachable, 4 no answer "
              "in time.");
  return {sub, [opts] {
            return run_drain(*opts);
          }};
}

} // namespace troupe::cli
