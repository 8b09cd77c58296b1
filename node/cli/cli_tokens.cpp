// `troupe tokens add NAME --role R` and `troupe tokens list`: the clients'
// bearer tokens in a tokens file (actors/door/token_file.hpp, docs/api.md).
// Works on the file alone: no node is involved, and a node reads the file
// when it starts.
#include "actors/door/bearer_token.hpp"
#include "actors/door/token_file.hpp"
#include "messages/errors.hpp"
#include "node/cli/cli.hpp"

#include <cstdio>
#include <iostream>
#include <memory>

namespace troupe::cli {

namespace {

struct tokens_options {
  std::string file{door::default_tokens_file};
  std::string name;
  std::string role;
  uint64_t in_flight = 0;
  uint64_t rate = 0;
  uint64_t burst = 0;
  CLI::Option* in_flight_opt = nullptr;
  CLI::Option* rate_opt = nullptr;
  CLI::Option* burst_opt = nullptr;
  CLI::App* add = nullptr;
  CLI::App* list = nullptr;
};

std::optional<uint64_t> given(const CLI::Option* opt, uint64_t value) {
  return opt->count() > 0 ? std::optional<uint64_t>{value} : std::nullopt;
}

int run_add(const tokens_options& opts) {
  door::token_entry entry;
  entry.name = opts.name;
  auto r = door::parse_role(opts.role);
  if (!r)
    return fail(exit_usage, "--role: expected submit, operate or admin, got '"
                              + opts.role + "'");
  entry.role = *r;
  entry.limits.in_flight = given(opts.in_flight_opt, opts.in_flight);
  entry.limits.rate = given(opts.rate_opt, opts.rate);
  entry.limits.burst = given(opts.burst_opt, opts.burst);
  auto token = door::generate_token();
  if (!token)
    return fail(exit_usage, message_of(token.error()));
  entry.digest = door::digest_of(*token);
  if (auto err = door::append_token(opts.file, entry))
    return fail(exit_usage, message_of(err));
  // Only the token on stdout, so that `T=$(troupe tokens add ...)` works.
  std::cout << *token << std::endl;
  std::cerr << "added token '" << entry.name << "' (role "
            << door::to_string(entry.role) << ") to " << opts.file
            << "; it is shown only now: hand it to its client "
               "(--token or $TROUPE_TOKEN)"
            << std::endl;
  return exit_ok;
}

std::string limit_text(const std::optional<uint64_t>& x) {
  return x ? std::to_string(*x) : "-";
}

int run_list(const tokens_options& opts) {
  auto file = door::load_token_file(opts.file);
  if (!file)
    return fail(exit_usage, message_of(file.error()));
  for (const auto& warning : file->warnings)
    std::cerr << "troupe: warning: " << warning << std::endl;
  std::printf("%-24s %-8s %10s %10s %10s\n", "NAME", "ROLE", "IN-FLIGHT",
              "RATE/S", "BURST");
  for (const auto& e : file->entries) {
    std::printf("%-24s %-8s %10s %10s %10s\n", e.name.c_str(),
                std::string{door::to_string(e.role)}.c_str(),
                limit_text(e.limits.in_flight).c_str(),
                limit_text(e.limits.rate).c_str(),
                limit_text(e.limits.effective_burst()).c_str());
  }
  return exit_ok;
}

} // namespace

std::pair<CLI::App*, command_runner> add_tokens_command(CLI::App& app) {
  auto opts = std::make_shared<tokens_options>();
  auto* sub = app.add_subcommand(
    "tokens", "manage the bearer tokens clients present to a node");
  sub->require_subcommand(1);
  auto file_option = [&opts](CLI::App& cmd) {
    cmd.add_option("--file", opts->file, "the tokens file")
      ->default_str(std::string{door::default_tokens_file});
  };
  opts->add = sub->add_subcommand(
    "add", "make a new token, print it once and append its digest to the "
           "tokens file (created with mode 0600)");
  opts->add->add_option("name", opts->name, "who holds the token")->required();
  opts->add
    ->add_option("--role", opts->role,
                 "what it may do: submit (jobs, its results, skills, "
                 "status), operate (+ breakers) or admin (+ drain, stop)")
    ->required();
  file_option(*opts->add);
  opts->in_flight_opt = opts->add->add_option(
    "--in-flight", opts->in_flight, "at most this many of its jobs at once");
  opts->rate_opt = opts->add->add_option("--rate", opts->rate,
                                         "at most this many jobs per second");
  opts->burst_opt
    = opts->add->add_option("--burst", opts->burst,
                            "jobs at once after a quiet spell (default: the "
                            "rate)");
  opts->add->footer("Prints only the token on stdout. Exit codes: 0 added, 2 "
                    "refused (bad arguments, a name already in the file, a "
                    "bad or unwritable file).");
  opts->list = sub->add_subcommand(
    "list", "show the tokens file's names, roles and limits");
  file_option(*opts->list);
  return {sub, [opts] {
            return opts->add->parsed() ? run_add(*opts) : run_list(*opts);
          }};
}

} // namespace troupe::cli
