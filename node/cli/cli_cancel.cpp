// `troupe cancel ID...`: cancels detached jobs (`troupe submit --detach`),
// at whichever member of the cluster holds them.
#include "node/cli/cli.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace troupe::cli {

namespace {

struct cancel_options {
  node_target node;
  std::vector<std::string> ids;
};

int run_cancel(const cancel_options& opts) {
  return run_control(
    opts.node,
    [&](client::client& c) {
      return c.cancel(opts.ids, std::chrono::seconds(10));
    },
    [&](uint32_t n) {
      std::cout << "cancelled " << n << " of " << opts.ids.size() << " job"
                << (opts.ids.size() == 1 ? "" : "s");
      if (n < opts.ids.size())
        std::cout << " (the others had ended, or are unknown to this token)";
      std::cout << std::endl;
      return exit_ok;
    });
}

} // namespace

std::pair<CLI::App*, command_runner> add_cancel_command(CLI::App& app) {
  auto opts = std::make_shared<cancel_options>();
  auto* sub = app.add_subcommand(
    "cancel", "cancel detached jobs (troupe submit --detach) by id");
  add_node_option(*sub, opts->node);
  sub->add_option("ID", opts->ids, "the jobs' ids, as submit --detach printed")
    ->required();
  sub->footer("Each job that had not ended ends CANCELLED (troupe result ID "
              "shows it). Exit codes: 0 the node answered (it says how many "
              "it cancelled); 3 unreachable.");
  return {sub, [opts] {
            return run_cancel(*opts);
          }};
}

} // namespace troupe::cli
