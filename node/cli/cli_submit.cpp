#include "config/node_config.hpp"
#include "messages/errors.hpp"
#include "node/cli/cli.hpp"
#include "node/cli/cli_interrupt.hpp"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

namespace troupe::cli {

namespace {

struct submit_options {
  node_target node;
  std::string skill;
  std::string input;
  std::string input_file;
  std::string timeout;
  int32_t priority = 0;
  bool no_cache = false;
  bool refresh = false;
  bool json = false;
  /// Start the job detached and print its id.
  bool detach = false;
  /// Bulk mode: a JSONL file of jobs.
  std::string jobs_file;
  uint64_t concurrency = 64;
};

caf::expected<std::string> read_input_file(const std::string& path) {
  std::ostringstream buf;
  if (path == "-") {
    buf << std::cin.rdbuf();
    return buf.str();
  }
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return caf::make_error(error_code::invalid_config,
                           "--input-file: cannot read '" + path + "'");
  buf << in.rdbuf();
  return buf.str();
}

int run_submit(submit_options& opts) {
  if (!opts.jobs_file.empty())
    return run_bulk_submit(
      {opts.node, opts.jobs_file, opts.concurrency, opts.json});
  job j;
  j.skill = opts.skill;
  if (!opts.input_file.empty()) {
    auto data = read_input_file(opts.input_file);
    if (!data)
      return fail(exit_usage, message_of(data.error()));
    j.input = std::move(*data);
  } else {
    j.input = opts.input;
  }
  if (!opts.timeout.empty()) {
    auto t = config::parse_duration(opts.timeout);
    if (!t || *t <= caf::timespan{0})
      return fail(exit_usage, "--timeout: expected a positive duration such "
                              "as 500ms or 10s, got '"
                                + opts.timeout + "'");
    j.options.timeout = *t;
  }
  j.options.priority = opts.priority;
  if (opts.refresh)
    j.options.cache = cache_mode::refresh;
  if (opts.no_cache)
    j.options.cache = cache_mode::bypass;
  if (opts.detach) {
    int exit = exit_ok;
    auto c = connect(opts.node, exit);
    if (!c)
      return exit;
    auto id = c->submit_detached(j, std::chrono::seconds(10));
    if (!id)
      return fail_command(id.error());
    std::cout << *id << std::endl;
    return exit_ok;
  }
  // Ctrl-C cancels the job on the node (queued or running) and reports it
  // CANCELLED; a second Ctrl-C quits at once.
  interrupt_watch watch;
  int exit = exit_ok;
  auto c = connect(opts.node, exit);
  if (!c)
    return exit;
  watch.on_interrupt([cl = &*c] {
    cl->interrupt();
  });
  auto r = c->submit(std::move(j));
  watch.on_interrupt(nullptr);
  return show_result(r, opts.json);
}

} // namespace

int show_result(const job_result& r, bool json) {
  if (json) {
    std::cout << to_json(r) << std::endl;
  } else if (r.status == job_status::ok) {
    std::cout.write(r.output.data(),
                    static_cast<std::streamsize>(r.output.size()));
    if (isatty(STDOUT_FILENO) && (r.output.empty() || r.output.back() != '\n'))
      std::cout << '\n';
    std::cout.flush();
  }
  if (r.status != job_status::ok && !json)
    std::cerr << "troupe: " << to_string(r.status) << ": " << r.error
              << std::endl;
  else if (!r.fallback.empty() && !json)
    std::cerr << "troupe: answered by fallback skill '" << r.fallback
              << "': the breaker of skill '" << r.skill << "' is open"
              << std::endl;
  return exit_code_for(r.status);
}

std::pair<CLI::App*, command_runner> add_submit_command(CLI::App& app) {
  auto opts = std::make_shared<submit_options>();
  auto* sub = app.add_subcommand("submit", "run one job, or a file of jobs, "
                                           "on a node");
  add_node_option(*sub, opts->node);
  // Exactly one job (--skill) or a file of jobs (--jobs).
  auto* mode = sub->add_option_group("job");
  mode->add_option("--skill", opts->skill, "skill to run");
  auto* in = sub->add_option("--input", opts->input, "job input text");
  auto* file = sub->add_option("--input-file", opts->input_file,
                               "read the job input from a file (- = stdin)");
  in->excludes(file);
  auto* timeout = sub->add_option("--timeout", opts->timeout,
                                  "deadline for the job, e.g. 500ms or 10s");
  auto* priority = sub->add_option(
    "--priority", opts->priority,
    "higher runs first when the skill's workers are all busy");
  auto* jobs = mode->add_option("--jobs", opts->jobs_file,
                                "run every job of a JSONL file (- = stdin), "
                                "one {\"skill\": ..., \"input\": ...} per "
                                "line");
  mode->require_option(1);
  jobs->excludes(in)->excludes(file)->excludes(timeout)->excludes(priority);
  sub
    ->add_option("--concurrency", opts->concurrency,
                 "with --jobs: jobs in flight at most")
    ->capture_default_str();
  auto* no_cache = sub->add_flag("--no-cache", opts->no_cache,
                                 "bypass the result cache");
  sub
    ->add_flag("--refresh", opts->refresh,
               "recompute the result and replace the cached one")
    ->excludes(no_cache);
  sub->add_flag("--json", opts->json, "print the whole result record as JSON");
  sub
    ->add_flag("--detach", opts->detach,
               "start the job and print its id at once; the job goes on "
               "when this command ends (troupe result ID fetches it)")
    ->excludes(jobs);
  return {sub, [opts] {
            return run_submit(*opts);
          }};
}

} // namespace troupe::cli
