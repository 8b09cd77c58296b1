// `troupe certs init DIR` and `troupe certs issue DIR NAME`: a cluster's CA
// and the certificates it signs for members and clients (cert_issuer.hpp,
// docs/api.md "TLS"). Works on files alone: no node is involved.
#include "messages/errors.hpp"
#include "node/cli/cert_issuer.hpp"
#include "node/cli/cli.hpp"

#include <iostream>
#include <memory>

namespace troupe::cli {

namespace {

struct certs_options {
  std::string dir;
  std::string name;
  std::string ca_name = "troupe cluster CA";
  std::vector<std::string> hosts;
  bool client = false;
  int ca_days = 3650;
  int days = 825;
  CLI::App* init = nullptr;
  CLI::App* issue = nullptr;
};

int run_init(const certs_options& opts) {
  if (auto err = init_authority(opts.dir, opts.ca_name, opts.ca_days))
    return fail(exit_usage, message_of(err));
  std::cout << opts.dir << "/ca.pem" << std::endl;
  std::cerr << "made the CA '" << opts.ca_name << "' in " << opts.dir
            << ": ca.pem goes to every member and client (--tls-ca), ca.key "
               "stays here (mode 0600)"
            << std::endl;
  return exit_ok;
}

int run_issue(const certs_options& opts) {
  cert_request req;
  req.name = opts.name;
  req.hosts = opts.hosts;
  req.kind = opts.client ? cert_kind::client : cert_kind::member;
  req.days = opts.days;
  if (auto err = issue_certificate(opts.dir, req))
    return fail(exit_usage, message_of(err));
  auto stem = opts.dir + "/" + opts.name;
  std::cout << stem << ".pem\n" << stem << ".key" << std::endl;
  std::cerr << "issued " << (opts.client ? "client" : "member")
            << " certificate " << identity_uri(req.kind, req.name) << " ("
            << stem << ".pem, key " << stem << ".key, mode 0600)" << std::endl;
  return exit_ok;
}

} // namespace

std::pair<CLI::App*, command_runner> add_certs_command(CLI::App& app) {
  auto opts = std::make_shared<certs_options>();
  auto* sub = app.add_subcommand(
    "certs", "make a cluster CA and the certificates of members and clients");
  sub->require_subcommand(1);
  opts->init = sub->add_subcommand(
    "init", "make a new cluster CA in DIR: ca.pem and ca.key (mode 0600)");
  opts->init->add_option("dir", opts->dir, "where the CA's files go")
    ->required();
  opts->init->add_option("--name", opts->ca_name, "the CA's name")
    ->capture_default_str();
  opts->init->add_option("--days", opts->ca_days, "how long the CA is valid")
    ->capture_default_str();
  opts->issue = sub->add_subcommand(
    "issue", "issue DIR/NAME.pem and DIR/NAME.key, signed by the CA in DIR");
  opts->issue->add_option("dir", opts->dir, "the CA's directory")->required();
  opts->issue
    ->add_option("name", opts->name,
                 "who holds it: a member's name (--name of its node) or a "
                 "client's")
    ->required();
  opts->issue->add_option("--host", opts->hosts,
                          "an address or DNS name it is valid for, one per "
                          "option: every address others dial (default for "
                          "a member named HOST:PORT: HOST)");
  opts->issue->add_flag("--client", opts->client,
                        "a client's certificate (client authentication only; "
                        "it cannot serve or join as a member)");
  opts->issue->add_option("--days", opts->days, "how long it is valid")
    ->capture_default_str();
  sub->footer("Prints the paths written on stdout. Exit codes: 0 done, 2 "
              "refused (bad arguments, files that exist already, no CA).");
  return {sub, [opts] {
            return opts->init->parsed() ? run_init(*opts) : run_issue(*opts);
          }};
}

} // namespace troupe::cli
