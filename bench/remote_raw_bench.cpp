// The raw CAF reference for remote figures: the same message patterns as
// troupe's remote job paths with no troupe logic in them.
//
//   troupe-bench-remote-raw server [--port-file F]
//       publishes an echo actor on 127.0.0.1 (OS-chosen port) until killed
//   troupe-bench-remote-raw sequential --port P [--count N]
//       one request at a time; prints round trips/s and latency percentiles
//   troupe-bench-remote-raw pipelined --port P [--count N] [--inflight K]
//       K requests in flight; prints round trips/s
//
// Both sides use troupe's scheduler settings (sharing, 1 thread) unless
// --threads/--scheduler say otherwise, so that the comparison is fair.

#include "node/client/latency_summary.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using report_atom = caf::atom_constant<caf::atom("b_report")>;

caf::behavior echo_server(caf::event_based_actor*) {
  return {[](uint64_t x, const std::string& payload) {
    return caf::make_message(x, payload);
  }};
}

struct pipelined_state {
  caf::actor server;
  caf::actor report_to;
  std::string payload;
  uint64_t total = 0;
  uint64_t sent = 0;
  uint64_t done = 0;
  clock_type::time_point start;
};

void issue(caf::stateful_actor<pipelined_state>* self) {
  auto& st = self->state;
  auto x = st.sent++;
  self->request(st.server, std::chrono::seconds(30), x, st.payload)
    .then(
      [self](uint64_t, const std::string&) {
        auto& st = self->state;
        if (++st.done == st.total) {
          auto ns = (clock_type::now() - st.start).count();
          caf::anon_send(st.report_to, report_atom::value, st.done,
                         static_cast<int64_t>(ns));
          self->quit();
          return;
        }
        if (st.sent < st.total)
          issue(self);
      },
      [self](caf::error& err) {
        std::fprintf(stderr, "request failed: %s\n",
                     self->system().render(err).c_str());
        caf::anon_send(self->state.report_to, report_atom::value, uint64_t{0},
                       int64_t{1});
        self->quit();
      });
}

caf::behavior pipelined_client(caf::stateful_actor<pipelined_state>* self,
                               caf::actor server, caf::actor report_to,
                               std::string payload, uint64_t total,
                               uint64_t inflight) {
  auto& st = self->state;
  st.server = std::move(server);
  st.report_to = std::move(report_to);
  st.payload = std::move(payload);
  st.total = total;
  st.start = clock_type::now();
  for (uint64_t i = 0; i < std::min(inflight, total); ++i)
    issue(self);
  return {[](uint64_t) {}};
}

caf::expected<caf::actor> connect(caf::actor_system& sys, uint16_t port) {
  return sys.middleman().remote_actor("127.0.0.1", port);
}

int run_server(caf::actor_system& sys, const std::string& port_file) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = sys.spawn(echo_server);
  auto port = sys.middleman().publish(server, 0, "127.0.0.1", true);
  if (!port) {
    std::fprintf(stderr, "cannot publish: %s\n",
                 sys.render(port.error()).c_str());
    return 1;
  }
  if (!port_file.empty()) {
    auto tmp = port_file + ".tmp";
    std::ofstream{tmp} << *port << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  } else {
    std::printf("%u\n", *port);
    std::fflush(stdout);
  }
  int sig = 0;
  sigwait(&set, &sig);
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  std::fflush(nullptr);
  std::_Exit(0);
}

int run_sequential(caf::actor_system& sys, uint16_t port, uint64_t count,
                   const std::string& payload) {
  auto server = connect(sys, port);
  if (!server) {
    std::fprintf(stderr, "cannot connect: %s\n",
                 sys.render(server.error()).c_str());
    return 1;
  }
  caf::scoped_actor self{sys};
  troupe::client::latency_summary lat;
  auto start = clock_type::now();
  for (uint64_t i = 0; i < count; ++i) {
    auto t0 = clock_type::now();
    bool ok = false;
    self->request(*server, std::chrono::seconds(10), i, payload)
      .receive(
        [&](uint64_t, const std::string&) {
          ok = true;
        },
        [&](caf::error& err) {
          std::fprintf(stderr, "request failed: %s\n", sys.render(err).c_str());
        });
    if (!ok)
      return 1;
    lat.add(clock_type::now() - t0);
  }
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  auto us = [](caf::timespan x) {
    return std::chrono::duration<double, std::micro>(x).count();
  };
  std::printf("{\"mode\":\"sequential\",\"count\":%llu,\"per_second\":%.1f,"
              "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f}\n",
              static_cast<unsigned long long>(count),
              static_cast<double>(count) / secs, us(lat.percentile(50)),
              us(lat.percentile(90)), us(lat.percentile(99)));
  return 0;
}

int run_pipelined(caf::actor_system& sys, uint16_t port, uint64_t count,
                  uint64_t inflight, const std::string& payload) {
  auto server = connect(sys, port);
  if (!server) {
    std::fprintf(stderr, "cannot connect: %s\n",
                 sys.render(server.error()).c_str());
    return 1;
  }
  caf::scoped_actor self{sys};
  sys.spawn(pipelined_client, *server, caf::actor{self}, payload, count,
            inflight);
  double rate = 0;
  self->receive(
    [&](report_atom, uint64_t ops, int64_t ns) {
      rate = static_cast<double>(ops) / (static_cast<double>(ns) / 1e9);
    },
    caf::after(std::chrono::seconds(300)) >>
      [] {
        std::fprintf(stderr, "no report within 300 s\n");
      });
  if (rate == 0)
    return 1;
  std::printf("{\"mode\":\"pipelined\",\"count\":%llu,\"inflight\":%llu,"
              "\"per_second\":%.1f}\n",
              static_cast<unsigned long long>(count),
              static_cast<unsigned long long>(inflight), rate);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"raw CAF remote request/response reference"};
  app.require_subcommand(1);
  std::string port_file;
  uint16_t port = 0;
  uint64_t count = 20'000;
  uint64_t inflight = 256;
  size_t payload_bytes = 0;
  uint32_t threads = 1;
  std::string scheduler = "sharing";
  app.add_option("--threads", threads, "scheduler threads")
    ->capture_default_str();
  app.add_option("--scheduler", scheduler, "sharing or stealing")
    ->capture_default_str();
  auto* server = app.add_subcommand("server", "publish an echo actor");
  server->add_option("--port-file", port_file, "write the port here");
  auto* seq = app.add_subcommand("sequential", "one request at a time");
  auto* pipe = app.add_subcommand("pipelined", "many requests in flight");
  for (auto* sub : {seq, pipe}) {
    sub->add_option("--port", port, "server port")->required();
    sub->add_option("--count", count, "round trips")->capture_default_str();
    sub->add_option("--payload", payload_bytes, "payload bytes per request")
      ->capture_default_str();
  }
  pipe->add_option("--inflight", inflight, "requests in flight")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  troupe::node::system_config cfg;
  cfg.scheduler(scheduler, threads);
  // Raw CAF between processes: BASP over CAF's middleman, deserializing
  // on worker threads on the server (CAF's default) and on the I/O thread
  // in the clients, which mostly wait for replies.
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.workers",
          server->parsed() ? caf::defaults::middleman::workers : size_t{0});
  caf::actor_system sys{cfg};
  std::string payload(payload_bytes, 'x');
  if (server->parsed())
    return run_server(sys, port_file);
  if (seq->parsed())
    return run_sequential(sys, port, count, payload);
  return run_pipelined(sys, port, count, inflight, payload);
}
