// Measures how long a crashed worker takes to be replaced and serve again:
// a one-worker pool gets a job that kills its worker and, right behind it,
// a job that the replacement serves. Native skills timestamp the crash and
// the next job's start inside the skill code; process skills (troupe's test
// worker, whose job `exit:1` ends the process) are timed from the client:
// from sending the crashing job to the replacement's answer. A last row
// crashes an actor under a one_for_one supervisor and times until its
// replacement answers a request, the pattern Erlang/OTP's restart figure
// measures.
//
//   troupe-bench-restart [--crashes N] [--worker PATH] [--markdown]

#include "actors/log/logging.hpp"
#include "actors/pool/process_worker.hpp"
#include "actors/pool/worker_pool.hpp"
#include "actors/skills/skill.hpp"
#include "actors/supervision/supervisor.hpp"
#include "messages/atoms.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace troupe;
using clock_type = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

// Written by the crashing job, read after the replacement served.
std::atomic<int64_t> crashed_at{0};
std::atomic<int64_t> served_at{0};

struct summary {
  std::string what;
  std::vector<double> in_skill_us; // empty: not measurable in the skill
  std::vector<double> end_to_end_us;
  size_t failures = 0;
};

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto index = static_cast<size_t>(p * static_cast<double>(xs.size() - 1));
  return xs[index];
}

skills::skill_definition native_crasher(skills::skill_mode mode) {
  skills::skill_definition def;
  def.name = "crasher";
  def.mode = mode;
  def.idempotent = false;
  def.max_attempts = 1;
  def.fn = [](const std::string& in) -> skills::skill_output {
    if (in == "crash") {
      crashed_at.store(now_ns());
      return skills::skill_output::crash();
    }
    served_at.store(now_ns());
    return skills::skill_output::success(in);
  };
  return def;
}

skills::skill_definition process_crasher(const std::string& worker) {
  skills::skill_definition def;
  def.name = "crasher";
  def.kind = skills::skill_kind::process;
  def.idempotent = false;
  def.max_attempts = 1;
  def.process.command = worker;
  return def;
}

job make_job(uint64_t id, std::string input) {
  job j;
  j.id = id;
  j.skill = "crasher";
  j.input = std::move(input);
  j.options.timeout = std::chrono::seconds(30);
  return j;
}

// Waits until the pool has an idle worker (process workers start
// asynchronously); false after 30 s.
bool wait_idle(caf::scoped_actor& self, const worker_pool_actor& pool) {
  auto until = clock_type::now() + std::chrono::seconds(30);
  while (clock_type::now() < until) {
    uint32_t idle = 0;
    self->request(pool, std::chrono::seconds(5), atom::status::value)
      .receive(
        [&](skill_info& x) {
          idle = x.idle;
        },
        [](caf::error&) {});
    if (idle > 0)
      return true;
    self->receive(caf::after(std::chrono::milliseconds(5)) >> [] {});
  }
  return false;
}

summary run_pool(caf::actor_system& sys, std::string what,
                 skills::skill_definition def, const std::string& crash_input,
                 bool in_skill, size_t crashes) {
  summary out;
  out.what = std::move(what);
  pool::worker_pool_config pc;
  pc.node_name = "bench";
  pc.min_workers = 1;
  pc.max_workers = 1;
  auto skill = std::make_shared<const skills::skill_definition>(std::move(def));
  auto pool = sys.spawn(pool::worker_pool, skill, pc);
  caf::scoped_actor self{sys};
  auto sink = caf::actor_cast<result_sink_actor>(self.ptr());
  if (!wait_idle(self, pool)) {
    std::fprintf(stderr, "%s: the pool never had a worker\n", out.what.c_str());
    out.failures = crashes;
    return out;
  }
  uint64_t id = 0;
  for (size_t i = 0; i < crashes; ++i) {
    auto sent = clock_type::now();
    self->send(pool, make_job(++id, crash_input), sink);
    auto ok_id = ++id;
    self->send(pool, make_job(ok_id, "ok"), sink);
    bool crashed = false;
    bool served = false;
    for (int n = 0; n < 2; ++n)
      self->receive(
        [&](job_result& r) {
          if (r.id == ok_id) {
            served = r.status == job_status::ok;
            auto took = clock_type::now() - sent;
            out.end_to_end_us.push_back(
              std::chrono::duration<double, std::micro>(took).count());
          } else {
            crashed = r.status == job_status::skill_error;
          }
        },
        caf::after(std::chrono::seconds(30)) >> [] {});
    if (!crashed || !served) {
      ++out.failures;
      continue;
    }
    if (in_skill)
      out.in_skill_us.push_back(
        static_cast<double>(served_at.load() - crashed_at.load()) / 1000.0);
  }
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  self->wait_for(pool);
  return out;
}

// A child that answers any string with "pong" and crashes on an integer.
caf::behavior crashing_child(caf::event_based_actor* self) {
  return {
    [](const std::string&) {
      return std::string{"pong"};
    },
    [self](int32_t) {
      crashed_at.store(now_ns());
      self->quit(caf::make_error(caf::sec::runtime_error, "crashed"));
    },
  };
}

summary run_supervisor(caf::actor_system& sys, size_t crashes) {
  summary out;
  out.what = "actor under a one_for_one supervisor";
  supervision::supervisor_config sc;
  sc.path = "bench";
  // Crashes are the point here: never give up.
  sc.intensity.max_restarts = static_cast<uint32_t>(crashes * 2 + 10);
  sc.intensity.period = std::chrono::hours(1);
  supervision::child_spec spec;
  spec.name = "child";
  spec.start = [](const supervision::child_context& ctx) {
    return ctx.sys.spawn(crashing_child);
  };
  sc.children.push_back(spec);
  auto sup = sys.spawn(supervision::supervisor, sc);
  caf::scoped_actor self{sys};
  self->send(sup, atom::watch::value, caf::actor_cast<caf::actor>(self.ptr()));
  // The next running incarnation the watch reports.
  auto next_child = [&]() -> caf::actor {
    caf::actor out;
    bool timed_out = false;
    while (!out && !timed_out)
      self->receive(
        [&](child_event& ev) {
          out = ev.handle;
        },
        caf::after(std::chrono::seconds(10)) >>
          [&] {
            timed_out = true;
          });
    return out;
  };
  auto child = next_child();
  for (size_t i = 0; i < crashes && child; ++i) {
    auto sent = clock_type::now();
    self->send(child, int32_t{1});
    auto next = next_child();
    if (!next) {
      ++out.failures;
      break;
    }
    bool served = false;
    self->request(next, std::chrono::seconds(10), std::string{"ping"})
      .receive(
        [&](std::string& x) {
          served = x == "pong";
          served_at.store(now_ns());
        },
        [](caf::error&) {});
    if (!served) {
      ++out.failures;
      child = next;
      continue;
    }
    out.in_skill_us.push_back(
      static_cast<double>(served_at.load() - crashed_at.load()) / 1000.0);
    out.end_to_end_us.push_back(
      std::chrono::duration<double, std::micro>(clock_type::now() - sent)
        .count());
    child = next;
  }
  self->send(sup, atom::stop::value);
  self->wait_for(sup);
  return out;
}

void print(const std::vector<summary>& rows, size_t crashes, bool markdown) {
  auto cell = [](const std::vector<double>& xs, double p) {
    if (xs.empty())
      return std::string{"–"};
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", percentile(xs, p));
    return std::string{buf};
  };
  if (markdown) {
    std::printf("| crashed worker | crashes | crash → next job starts, median "
                "/ p99 (µs) | send crashing job → replacement's answer, "
                "median / p99 (µs) | failed |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: |\n");
  }
  for (auto& r : rows) {
    auto n = std::max(r.end_to_end_us.size(), r.in_skill_us.size());
    if (markdown)
      std::printf("| %s | %zu | %s / %s | %s / %s | %zu |\n", r.what.c_str(), n,
                  cell(r.in_skill_us, 0.5).c_str(),
                  cell(r.in_skill_us, 0.99).c_str(),
                  cell(r.end_to_end_us, 0.5).c_str(),
                  cell(r.end_to_end_us, 0.99).c_str(), r.failures);
    else
      std::printf("%-40s crashes %zu  in-skill median %s p99 %s us  "
                  "end-to-end median %s p99 %s us  failed %zu\n",
                  r.what.c_str(), n, cell(r.in_skill_us, 0.5).c_str(),
                  cell(r.in_skill_us, 0.99).c_str(),
                  cell(r.end_to_end_us, 0.5).c_str(),
                  cell(r.end_to_end_us, 0.99).c_str(), r.failures);
  }
  static_cast<void>(crashes);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"time from a worker crash to its replacement serving"};
  size_t crashes = 2000;
  std::string worker;
  bool markdown = false;
  app.add_option("--crashes", crashes, "crashes per row")
    ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  app.add_option("--worker", worker,
                 "a process worker whose job `exit:1` ends the process "
                 "(troupe-test-worker); without it, no process row");
  app.add_flag("--markdown", markdown, "print a markdown table");
  CLI11_PARSE(app, argc, argv);
  // The crashes are expected: do not log each one.
  log::set_level(spdlog::level::err);
  node::system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<summary> rows;
  rows.push_back(run_pool(sys, "native skill, scheduled (worker actor)",
                          native_crasher(skills::skill_mode::scheduled),
                          "crash", true, crashes));
  rows.push_back(run_pool(sys, "native skill, blocking (worker thread)",
                          native_crasher(skills::skill_mode::blocking), "crash",
                          true, crashes));
  if (!worker.empty())
    rows.push_back(run_pool(sys, "process skill (C++ test worker)",
                            process_crasher(worker), "exit:1", false,
                            std::max<size_t>(crashes / 2, 1000)));
  rows.push_back(run_supervisor(sys, crashes));
  print(rows, crashes, markdown);
  pool::process_worker::wait_all(std::chrono::seconds(5));
  for (auto& r : rows)
    if (r.failures > 0)
      return 1;
  return 0;
}
