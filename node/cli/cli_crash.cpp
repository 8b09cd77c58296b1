// `troupe crash --node H:P PATH`: the crash-injection test hook. A node
// started with --test-skills crashes the actor at PATH below its root (its
// supervisor restarts it) and says what it did; other nodes refuse.
#include "messages/errors.hpp"
#include "node/cli/cli.hpp"

#include <chrono>
#include <iostream>
#include <memory>

namespace troupe::cli {

namespace {

constexpr auto command_timeout = std::chrono::seconds(10);

struct crash_options {
  node_target node;
  std::string path;
};

int run_crash(const crash_options& opts) {
  return run_control(
    opts.node,
    [&](client::client& c) {
      return c.crash(opts.path, command_timeout);
    },
    [](const std::string& what) {
      std::cout << what << std::endl;
      return exit_ok;
    });
}

} // namespace

std::pair<CLI::App*, command_runner> add_crash_command(CLI::App& app) {
  auto opts = std::make_shared<crash_options>();
  auto* sub = app.add_subcommand(
    "crash", "test hook: crash an actor of a node started with --test-skills "
             "(its supervisor restarts it)");
  add_node_option(*sub, opts->node);
  sub
    ->add_option("path", opts->path,
                 "the actor below the node's root, e.g. gateway, router, "
                 "dispatcher, membership, health, skills/echo, cache/shard-0")
    ->required();
  sub->footer("Exit codes: 0 crashed, 2 refused (no --test-skills on the "
              "node, or no such actor), 3 unreachable, 4 no answer in time.");
  return {sub, [opts] {
            return run_crash(*opts);
          }};
}

} // namespace troupe::cli
