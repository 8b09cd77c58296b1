// `troupe result ID [--wait]`: the result of a detached job
// (`troupe submit --detach`), from any connection with the same token.
#include "node/cli/cli.hpp"

#include <chrono>
#include <iostream>
#include <memory>

namespace troupe::cli {

namespace {

struct result_options {
  node_target node;
  std::string id;
  bool wait = false;
  bool json = false;
};

int run_result(const result_options& opts) {
  int exit = exit_ok;
  auto c = connect(opts.node, exit);
  if (!c)
    return exit;
  // Waiting goes on in rounds, so that no single call outlives what
  // proxies between here and the node allow.
  constexpr auto round = std::chrono::seconds(30);
  for (;;) {
    auto state = c->result(opts.id,
                           opts.wait ? caf::timespan{round} : caf::timespan{0});
    if (!state)
      return fail_command(state.error());
    if (*state)
      return show_result(**state, opts.json);
    if (!opts.wait)
      return fail(exit_timeout, "job " + opts.id
                                  + " has not ended yet (--wait waits for "
                                    "it)");
  }
}

} // namespace

std::pair<CLI::App*, command_runner> add_result_command(CLI::App& app) {
  auto opts = std::make_shared<result_options>();
  auto* sub = app.add_subcommand(
    "result", "the result of a detached job (troupe submit --detach)");
  add_node_option(*sub, opts->node);
  sub->add_option("ID", opts->id, "the job's id, as submit --detach printed")
    ->required();
  sub->add_flag("--wait", opts->wait, "wait until the job ended");
  sub->add_flag("--json", opts->json, "print the whole result record as JSON");
  sub->footer("Exit codes: as submit's for an ended job; 2 unknown or "
              "expired id; 3 unreachable; 4 the job has not ended yet.");
  return {sub, [opts] {
            return run_result(*opts);
          }};
}

} // namespace troupe::cli
