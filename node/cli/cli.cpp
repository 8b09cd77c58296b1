#include "node/cli/cli.hpp"

#include "config/node_config.hpp"
#include "config/version.hpp"
#include "messages/errors.hpp"
#include "messages/wire/json.hpp"

#include <charconv>
#include <iostream>
#include <vector>

namespace troupe::cli {

int fail(int code, const std::string& message) {
  std::cerr << "troupe: " << message << std::endl;
  return code;
}

int fail_command(const caf::error& err) {
  if (err.category() == caf::atom("troupe")) {
    switch (static_cast<error_code>(err.code())) {
      case error_code::rejected:
        return fail(exit_usage, message_of(err));
      case error_code::timeout:
        return fail(exit_timeout, message_of(err));
      default:
        break;
    }
  }
  return fail(exit_unreachable, message_of(err));
}

caf::expected<endpoint> parse_endpoint(const std::string& str) {
  endpoint ep;
  auto colon = str.rfind(':');
  if (colon == std::string::npos)
    return caf::make_error(error_code::invalid_config,
                           "--node expects HOST:PORT, got '" + str + "'");
  ep.host = str.substr(0, colon);
  auto port_str = str.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_str.data(),
                                   port_str.data() + port_str.size(), port);
  if (ep.host.empty() || ec != std::errc{}
      || end != port_str.data() + port_str.size() || port == 0 || port > 65535)
    return caf::make_error(error_code::invalid_config,
                           "--node expects HOST:PORT with a port in 1..65535, "
                           "got '"
                             + str + "'");
  ep.port = static_cast<uint16_t>(port);
  return ep;
}

void add_node_option(CLI::App& sub, node_target& target) {
  sub.add_option("--node", target.node, "node address HOST:PORT")
    ->default_val("127.0.0.1:4710");
  sub
    .add_option("--connect-timeout", target.connect_timeout,
                "how long to wait for the node to answer when connecting, "
                "e.g. 2s")
    ->default_str("5s");
  sub
    .add_option("--token", target.token,
                "bearer token for nodes that ask for one (default: "
                "$TROUPE_TOKEN)")
    ->envname("TROUPE_TOKEN");
  sub.add_option("--tls-ca", target.tls_ca,
                 "connect with TLS, trusting the CA certificates of this PEM "
                 "file");
  auto* cert = sub.add_option("--tls-cert", target.tls_cert,
                              "client certificate (PEM) for nodes that ask "
                              "for one; implies TLS");
  auto* key = sub.add_option("--tls-key", target.tls_key,
                             "the client certificate's private key (PEM)");
  cert->needs(key);
  key->needs(cert);
}

caf::expected<client::client> connect(const node_target& target, int& exit) {
  auto ep = parse_endpoint(target.node);
  if (!ep) {
    exit = fail(exit_usage, message_of(ep.error()));
    return ep.error();
  }
  caf::timespan timeout = client::client::default_connect_timeout;
  if (!target.connect_timeout.empty()) {
    auto t = config::parse_duration(target.connect_timeout);
    if (!t || *t <= caf::timespan{0}) {
      auto err = caf::make_error(
        error_code::invalid_config,
        "--connect-timeout: expected a positive duration such as 500ms or "
        "5s, got '"
          + target.connect_timeout + "'");
      exit = fail(exit_usage, message_of(err));
      return err;
    }
    timeout = *t;
  }
  client::connect_options opts;
  opts.timeout = timeout;
  opts.token = target.token;
  opts.tls_ca_file = target.tls_ca;
  opts.tls_cert_file = target.tls_cert;
  opts.tls_key_file = target.tls_key;
  auto c = client::client::connect(ep->host, ep->port, opts);
  if (!c) {
    auto bad_files = c.error().category() == caf::atom("troupe")
                     && static_cast<error_code>(c.error().code())
                          == error_code::invalid_config;
    exit = fail(bad_files ? exit_usage : exit_unreachable,
                message_of(c.error()));
    return c.error();
  }
  exit = exit_ok;
  return c;
}

std::string to_json(const job_result& r) {
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  std::string out = "{\"id\":" + std::to_string(r.id) + ",\"status\":";
  wire::append_json_string(out, to_string(r.status));
  out += ",\"skill\":";
  wire::append_json_string(out, r.skill);
  out += ",\"output\":";
  wire::append_json_string(out, r.output);
  out += ",\"error\":";
  wire::append_json_string(out, r.error);
  out += ",\"node\":";
  wire::append_json_string(out, r.node);
  out += ",\"queue_us\":"
         + std::to_string(duration_cast<microseconds>(r.queue_time).count());
  out += ",\"run_us\":"
         + std::to_string(duration_cast<microseconds>(r.run_time).count());
  out += ",\"cache_hit\":";
  out += r.cache_hit ? "true" : "false";
  out += ",\"attempts\":" + std::to_string(r.attempts);
  out += ",\"fallback\":";
  wire::append_json_string(out, r.fallback);
  out += ",\"retry_after_ms\":"
         + std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(r.retry_after)
             .count())
         + "}";
  return out;
}

int exit_code_for(job_status st) {
  switch (st) {
    case job_status::ok:
      return exit_ok;
    case job_status::timeout:
      return exit_timeout;
    default:
      return exit_job_failed;
  }
}

int run(int argc, char** argv) {
  CLI::App app{"troupe: an actor-model distributed execution engine"};
  app.set_version_flag("--version", std::string{"troupe "} + config::version);
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, command_runner>> commands;
  commands.push_back(add_node_command(app));
  commands.push_back(add_submit_command(app));
  commands.push_back(add_skills_command(app));
  commands.push_back(add_status_command(app));
  commands.push_back(add_bench_command(app));
  commands.push_back(add_breaker_command(app));
  commands.push_back(add_crash_command(app));
  commands.push_back(add_drain_command(app));
  commands.push_back(add_result_command(app));
  commands.push_back(add_cancel_command(app));
  commands.push_back(add_tokens_command(app));
  commands.push_back(add_certs_command(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "troupe: " << e.what() << "\n";
    // Show the usage of the subcommand the user was typing, if any.
    CLI::App* shown = &app;
    for (auto& [sub, runner] : commands)
      if (sub->parsed())
        shown = sub;
    std::cerr << shown->help();
    return exit_usage;
  }
  for (auto& [sub, runner] : commands)
    if (sub->parsed())
      return runner();
  return fail(exit_usage, "no command given; see troupe --help");
}

} // namespace troupe::cli
