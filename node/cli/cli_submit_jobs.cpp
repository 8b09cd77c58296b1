// `troupe submit --jobs FILE.jsonl`: streams the jobs of a JSONL file (or
// stdin) to a node through a batcher, at most --concurrency in flight, and
// reports one result per line and a summary.
#include "actors/link/batcher.hpp"
#include "messages/errors.hpp"
#include "messages/wire/json.hpp"
#include "node/cli/cli.hpp"
#include "node/cli/cli_progress.hpp"
#include "node/client/job_line.hpp"
#include "node/client/latency_summary.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/scoped_actor.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <unordered_map>
#include <vector>

namespace troupe::cli {

namespace {

using clock_type = std::chrono::steady_clock;

// Results of a bulk run, for the summary.
struct tally {
  std::map<job_status, uint64_t> by_status;
  /// (line, status, error) of every line that did not end OK.
  std::vector<std::tuple<uint64_t, job_status, std::string>> failed;
  client::latency_summary latency;
  uint64_t done = 0;

  void add(uint64_t line, const job_result& r) {
    ++done;
    ++by_status[r.status];
    if (r.status != job_status::ok)
      failed.emplace_back(line, r.status, r.error);
  }
};

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Non-blank lines of a regular file, for the progress bar's total; nothing
// for stdin or pipes, which can only be read once.
std::optional<uint64_t> count_jobs(const std::string& path) {
  if (path == "-")
    return std::nullopt;
  std::ifstream in{path};
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line))
    if (!blank(line))
      ++n;
  return n;
}

void print_json_line(uint64_t line, const job_result& r) {
  auto rec = to_json(r);
  std::cout << "{\"line\":" << line << "," << rec.substr(1) << "\n";
}

void print_summary(std::FILE* out, tally& t, double seconds,
                   const std::string& source) {
  std::fprintf(out, "%llu jobs from %s in %.2f s: %.0f jobs/s\n",
               static_cast<unsigned long long>(t.done), source.c_str(), seconds,
               seconds > 0 ? static_cast<double>(t.done) / seconds : 0);
  std::fprintf(out, " ");
  for (auto& [st, n] : t.by_status)
    std::fprintf(out, " %s %llu", std::string{to_string(st)}.c_str(),
                 static_cast<unsigned long long>(n));
  std::fprintf(out, "\n");
  auto ms = [](caf::timespan x) {
    return std::chrono::duration<double, std::milli>(x).count();
  };
  if (t.latency.count() > 0)
    std::fprintf(out, "  latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n",
                 ms(t.latency.percentile(50)), ms(t.latency.percentile(90)),
                 ms(t.latency.percentile(99)));
  if (t.failed.empty())
    return;
  std::sort(t.failed.begin(), t.failed.end());
  constexpr size_t shown = 20;
  std::fprintf(out, "failed lines:\n");
  for (size_t i = 0; i < t.failed.size() && i < shown; ++i) {
    auto& [line, st, error] = t.failed[i];
    std::fprintf(out, "  line %llu: %s: %s\n",
                 static_cast<unsigned long long>(line),
                 std::string{to_string(st)}.c_str(), error.c_str());
  }
  if (t.failed.size() > shown)
    std::fprintf(out, "  ... and %zu more\n", t.failed.size() - shown);
}

} // namespace

int run_bulk_submit(const bulk_submit_options& opts) {
  if (opts.concurrency == 0)
    return fail(exit_usage, "--concurrency must be at least 1");
  std::ifstream file;
  std::istream* in = &std::cin;
  if (opts.file != "-") {
    file.open(opts.file);
    if (!file)
      return fail(exit_usage, "--jobs: cannot read '" + opts.file + "'");
    in = &file;
  }
  node::system_config cfg;
  caf::actor_system sys{cfg};
  int exit = exit_ok;
  auto c = connect(sys, opts.node, exit);
  if (!c)
    return exit;
  link::batcher_config bc;
  bc.destination_name = c->address();
  bc.node_name = c->address();
  bc.limits.max_in_flight = opts.concurrency;
  bc.limits.max_buffered = opts.concurrency;
  // Messages as the client library sends them: far below any node's
  // message limit, so that only a single job too large for the node is
  // ever refused.
  bc.limits.max_count = client::client::max_batch_jobs;
  bc.limits.max_bytes = client::client::max_batch_bytes;
  // The node answers every job it accepted within its deadline plus the
  // gateway's grace; this timer only matters if the node hangs.
  bc.grace = client_result_grace;
  caf::scoped_actor self{sys};
  auto sink = caf::actor_cast<result_sink_actor>(self.ptr());
  // The link hands back the jobs it could not finish when the gateway ends.
  bc.failover = caf::actor_cast<failover_actor>(self.ptr());
  auto link = sys.spawn(link::batcher, c->gateway(), bc);
  // For each link that ended: whether its jobs went on to a restarted
  // gateway (true) or the node is gone (false).
  std::map<caf::actor_addr, bool> relinked;
  // Links whose gateway ended; they linger until told to go.
  std::vector<batcher_actor> ended_links;
  const auto unreachable
    = describe(caf::make_error(caf::exit_reason::remote_link_unreachable));
  progress_line progress{stderr};
  if (auto n = count_jobs(opts.file))
    progress.total(*n);
  tally t;
  // line -> when its job was sent
  std::unordered_map<uint64_t, clock_type::time_point> in_flight;
  uint64_t line_no = 0;
  bool eof = false;
  auto start = clock_type::now();
  auto finish_line = [&](uint64_t line, job_result& r) {
    if (opts.json)
      print_json_line(line, r);
    t.add(line, r);
  };
  while (!eof || !in_flight.empty()) {
    std::string text;
    while (!eof && in_flight.size() < opts.concurrency) {
      if (!std::getline(*in, text)) {
        eof = true;
        break;
      }
      ++line_no;
      if (blank(text))
        continue;
      auto j = client::parse_job_line(text);
      if (!j) {
        // A malformed line fails alone, as BAD_INPUT, and never reaches
        // the node.
        job_result r;
        r.id = line_no;
        r.status = job_status::bad_input;
        r.error = "malformed job line: " + message_of(j.error());
        finish_line(line_no, r);
        continue;
      }
      j->id = line_no;
      in_flight.emplace(line_no, clock_type::now());
      self->send(link, std::move(*j), sink);
    }
    if (in_flight.empty())
      continue;
    // The batcher answers every job (its own deadlines included); the
    // timeout here only keeps the progress line moving.
    self->receive(
      [&](job_result& r) {
        auto i = in_flight.find(r.id);
        if (i == in_flight.end())
          return;
        t.latency.add(clock_type::now() - i->second);
        in_flight.erase(i);
        auto line = r.id;
        finish_line(line, r);
      },
      [&](atom::leave, const std::string& node, const std::string& why,
          bool sent, job& j, result_sink_actor&) {
        // The gateway ended. A restarted one (the node stays up) gets the
        // jobs the old one never read: it answered the rest before it
        // ended. A broken connection means the node is gone or cut off.
        auto from = self->current_sender() ? self->current_sender()->address()
                                           : caf::actor_addr{};
        auto decided = relinked.find(from);
        if (decided == relinked.end()) {
          auto ok = why != unreachable && c->reconnect();
          if (ok) {
            ended_links.push_back(link);
            link = sys.spawn(link::batcher, c->gateway(), bc);
          }
          decided = relinked.emplace(from, ok).first;
        }
        if (decided->second) {
          self->send(link, std::move(j), sink);
          return;
        }
        auto i = in_flight.find(j.id);
        if (i == in_flight.end())
          return;
        in_flight.erase(i);
        job_result r;
        r.id = j.id;
        r.status = job_status::node_lost;
        r.node = node;
        r.error = "lost the connection to node " + node + " (" + why + ")"
                  + (sent ? "; the job was sent and may have run: resubmit "
                            "it if running it twice is safe"
                          : " before the job was sent");
        finish_line(r.id, r);
      },
      caf::after(std::chrono::milliseconds(100)) >> [] {});
    progress.update(t.done);
  }
  progress.clear();
  std::cout.flush();
  auto seconds
    = std::chrono::duration<double>(clock_type::now() - start).count();
  auto source = opts.file == "-" ? std::string{"stdin"} : opts.file;
  // With --json, stdout carries one record per line; the summary goes to
  // stderr so that scripts can parse stdout as JSONL.
  print_summary(opts.json ? stderr : stdout, t, seconds, source);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  for (auto& l : ended_links)
    caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
  return t.failed.empty() ? exit_ok : exit_job_failed;
}

} // namespace troupe::cli
