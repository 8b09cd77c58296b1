// `troupe submit --jobs FILE.jsonl`: streams the jobs of a JSONL file (or
// stdin) to a node on the client's job stream, at most --concurrency in
// flight, and reports one result per line and a summary.
#include "messages/errors.hpp"
#include "messages/wire/json.hpp"
#include "node/cli/cli.hpp"
#include "node/cli/cli_progress.hpp"
#include "node/client/job_line.hpp"
#include "node/client/latency_summary.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
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
  int exit = exit_ok;
  auto c = connect(opts.node, exit);
  if (!c)
    return exit;
  progress_line progress{stderr};
  if (auto n = count_jobs(opts.file))
    progress.total(*n);
  tally t;
  uint64_t line_no = 0;
  auto start = clock_type::now();
  auto finish_line = [&](uint64_t line, const job_result& r) {
    if (opts.json)
      print_json_line(line, r);
    t.add(line, r);
    progress.update(t.done);
  };
  // Lines are read as the client has room for their jobs, so that a file
  // (or a pipe) of any length streams through; a job's id is its line.
  auto next_job = [&](job& j) {
    std::string text;
    while (std::getline(*in, text)) {
      ++line_no;
      if (blank(text))
        continue;
      auto parsed = client::parse_job_line(text);
      if (!parsed) {
        // A malformed line fails alone, as BAD_INPUT, and never reaches
        // the node.
        job_result r;
        r.id = line_no;
        r.status = job_status::bad_input;
        r.error = "malformed job line: " + message_of(parsed.error());
        finish_line(line_no, r);
        continue;
      }
      j = std::move(*parsed);
      j.id = line_no;
      return true;
    }
    return false;
  };
  c->run(next_job, opts.concurrency,
         [&](job_result&& r, caf::timespan latency) {
           t.latency.add(latency);
           finish_line(r.id, r);
         });
  progress.clear();
  std::cout.flush();
  auto seconds
    = std::chrono::duration<double>(clock_type::now() - start).count();
  auto source = opts.file == "-" ? std::string{"stdin"} : opts.file;
  // With --json, stdout carries one record per line; the summary goes to
  // stderr so that scripts can parse stdout as JSONL.
  print_summary(opts.json ? stderr : stdout, t, seconds, source);
  return t.failed.empty() ? exit_ok : exit_job_failed;
}

} // namespace troupe::cli
