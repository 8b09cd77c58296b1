#pragma once

#include "actors/skills/breaker_policy.hpp"
#include "actors/skills/cache_policy.hpp"
#include "actors/skills/retry_policy.hpp"
#include "messages/job.hpp"
#include "messages/job_status.hpp"

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace troupe::skills {

/// What a skill function returns: `ok` with its output, an error status
/// with a message for a person, or a crash.
struct skill_output {
  job_status status = job_status::ok;
  std::string data;
  /// The worker that ran the skill dies with this run (`data` says why), as
  /// if the skill's code had crashed it: the pool replaces the worker and
  /// retries the job (idempotent skills with attempts left) or fails it with
  /// SKILL_ERROR. A value, so that no exception has to carry it.
  bool crashed = false;

  static skill_output success(std::string out) {
    return {job_status::ok, std::move(out), false};
  }

  static skill_output failure(job_status st, std::string message) {
    return {st, std::move(message), false};
  }

  static skill_output crash(std::string reason = "worker crashed") {
    return {job_status::skill_error, std::move(reason), true};
  }
};

/// One run of a skill as its worker sees it: the job's result, or the
/// worker's death (`crashed`, with `result.error` saying why).
struct skill_run {
  job_result result;
  bool crashed = false;
};

/// Cancels the jobs one native worker runs, from another thread: the pool
/// cancels a job when its deadline passes or its client goes away, and the
/// skill code running it sees that through its `skill_context`. Jobs are
/// named by their pool-local ticket (never 0), so cancelling a job that has
/// already finished never affects the next one. Thread-safe.
class cancellation {
 public:
  /// Marks the job `ticket` cancelled and wakes a `sleep_for` waiting in it.
  void cancel(uint64_t ticket);

  bool cancelled(uint64_t ticket) const noexcept {
    return cancelled_.load(std::memory_order_acquire) == ticket;
  }

  /// Sleeps for `d` unless the job `ticket` is or gets cancelled; true when
  /// the whole time passed.
  bool sleep_for(uint64_t ticket, std::chrono::nanoseconds d);

 private:
  std::atomic<uint64_t> cancelled_{0};
  std::mutex mtx_;
  std::condition_variable cv_;
};

/// What a native skill can learn about the job it runs. A default-built
/// context is never cancelled and has no deadline (skills called directly,
/// in tests or in-pool).
class skill_context {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  skill_context() = default;

  skill_context(cancellation* token, uint64_t ticket, time_point deadline)
      : token_(token), ticket_(ticket), deadline_(deadline) {}

  /// A context that keeps its token alive: asynchronous skills may hold it
  /// after their pool is gone.
  skill_context(std::shared_ptr<cancellation> token, uint64_t ticket,
                time_point deadline)
      : token_(token.get()), owner_(std::move(token)), ticket_(ticket),
        deadline_(deadline) {}

  /// Whether nobody wants this job's result any more (it timed out or its
  /// client cancelled it). Long-running skills poll this and return early;
  /// what they return then is discarded.
  bool cancelled() const noexcept {
    return token_ != nullptr && token_->cancelled(ticket_);
  }

  /// Sleeps for `d`, waking early when the job is cancelled; true when the
  /// whole time passed. Use this instead of `std::this_thread::sleep_for`.
  bool sleep_for(std::chrono::nanoseconds d) const;

  /// When the job's deadline passes (`time_point::max()` when unknown).
  time_point deadline() const noexcept {
    return deadline_;
  }

 private:
  cancellation* token_ = nullptr;
  std::shared_ptr<cancellation> owner_;
  uint64_t ticket_ = 0;
  time_point deadline_ = time_point::max();
};

/// A native skill: `skill_output f(const std::string& input)` or, to see
/// cancellation and the deadline, `skill_output f(const std::string& input,
/// const skill_context& ctx)`; both convert to this type. It may throw a
/// `std::exception`, which fails the job with SKILL_ERROR and leaves the
/// worker alive; to take its worker down it returns `skill_output::crash`.
class skill_function {
 public:
  using signature = skill_output(const std::string&, const skill_context&);

  skill_function() = default;

  template <
    class F,
    std::enable_if_t<std::is_invocable_r_v<skill_output, F&, const std::string&,
                                           const skill_context&>,
                     int> = 0>
  skill_function(F f) : fn_(std::move(f)) {
    // nop
  }

  template <
    class F,
    std::enable_if_t<
      !std::is_invocable_r_v<
        skill_output, F&, const std::string&,
        const skill_context&> && std::is_invocable_r_v<skill_output, F&, const std::string&>,
      long> = 0>
  skill_function(F f)
      : fn_([g = std::move(f)](const std::string& in,
                               const skill_context&) mutable {
          return g(in);
        }) {
    // nop
  }

  skill_output operator()(const std::string& input,
                          const skill_context& ctx) const {
    return fn_(input, ctx);
  }

  skill_output operator()(const std::string& input) const {
    return fn_(input, skill_context{});
  }

  explicit operator bool() const noexcept {
    return static_cast<bool>(fn_);
  }

 private:
  std::function<signature> fn_;
};

/// How an asynchronous skill answers its job, later and from anywhere: call
/// it once with the output, from any thread or actor. Copies share one
/// answer; only the first call counts. If every copy is dropped without an
/// answer, the job fails with SKILL_ERROR saying so, so a job is never left
/// waiting for a reply that cannot come. Thread-safe.
class skill_reply {
 public:
  /// Receives the job's result (its run time measured from the reply's
  /// creation), or the crash it was answered with, exactly once.
  using deliver_fn = std::function<void(skill_run&&)>;

  skill_reply() = default;

  /// Used by pools; `skill` names the skill in the error of a dropped reply.
  skill_reply(std::string skill, deliver_fn deliver);

  /// Answers the job; false when it was answered already.
  bool operator()(skill_output out) const;

  /// Whether the job has been answered.
  bool answered() const noexcept;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

/// An asynchronous native skill: `void f(const std::string& input, const
/// skill_context& ctx, skill_reply reply)` starts the work (by sending a
/// message to an application actor, handing it to an I/O library, ...) and
/// returns at once; whoever finishes the work calls `reply`. It runs inside
/// its pool actor, so it must not block. A `std::exception` it throws fails
/// the job with SKILL_ERROR; a reply of `skill_output::crash`, or a throw of
/// anything else, counts as its worker's death.
using async_skill_function
  = std::function<void(const std::string&, const skill_context&, skill_reply)>;

/// Where a native skill's code runs.
enum class skill_mode : uint8_t {
  /// Inside the pool actor: no hand-off at all, the fastest path. Only for
  /// short code that never blocks; one pool runs one such job at a time.
  in_pool,
  /// In worker actors on the actor scheduler: non-blocking code that should
  /// spread over several scheduler threads.
  scheduled,
  /// In worker actors with a thread each: code that may sleep, wait on I/O
  /// or compute for a while without stalling anything else.
  blocking,
};

/// How a skill's code runs: in this process (native), or in long-lived
/// child processes speaking the worker protocol (docs/skills.md).
enum class skill_kind : uint8_t { native, process };

/// How the workers of a process skill are started and looked after.
struct process_options {
  /// The program: an absolute path, a path relative to `workdir`, or a name
  /// looked up on PATH. Run directly, never through a shell.
  std::string command;
  std::vector<std::string> args;
  /// Added to (or replacing in) the node's environment.
  std::map<std::string, std::string> env;
  /// Working directory of the children; empty = the node's.
  std::string workdir;
  /// A worker process is replaced after this many jobs; 0 = never.
  uint64_t recycle_after = 0;
  /// A new process must answer its first ping within this.
  caf::timespan start_timeout = std::chrono::seconds(10);
  /// An idle process is pinged this often ...
  caf::timespan ping_interval = std::chrono::seconds(10);
  /// ... and replaced when it does not answer within this.
  caf::timespan ping_timeout = std::chrono::seconds(5);
  /// Between SIGTERM and SIGKILL when a process is stopped.
  caf::timespan kill_grace = std::chrono::seconds(2);
  /// Largest frame a process may send (its output plus a few bytes).
  uint64_t max_frame_bytes = 64 * 1024 * 1024;
  /// Lines of a process's stderr logged per second at most (bursts of one
  /// second's worth); the rest are dropped and counted.
  uint32_t stderr_lines_per_second = 100;
};

/// A named unit of work and how the node runs it.
struct skill_definition {
  std::string name;
  std::string version = "1";
  std::string description;
  skill_kind kind = skill_kind::native;
  /// Where native code runs. Blocking unless the skill's author knows
  /// better: a blocking skill on the scheduler would stall the node.
  skill_mode mode = skill_mode::blocking;
  /// Workers in the pool, a fixed number; 0 = the node default. `min_workers`
  /// and `max_workers`, when set, make the pool elastic instead.
  uint32_t workers = 0;
  /// Workers kept even when idle (may be 0: none until a job comes); unset
  /// = 1 when `max_workers` is set, else a fixed-size pool.
  std::optional<uint32_t> min_workers;
  /// Workers at most, started as the queue grows; 0 = `workers` (or the
  /// node default), never below `min_workers`.
  uint32_t max_workers = 0;
  /// Workers above the minimum retire after being idle this long; 0 = the
  /// default (60 s).
  caf::timespan idle_timeout{0};
  /// Waiting this long counts as one priority level, so that low-priority
  /// jobs are never starved; 0 = the default (1 s).
  caf::timespan priority_aging{0};
  /// Bounded queue capacity; 0 = the node default.
  uint64_t queue_capacity = 0;
  /// Whether running a job twice is harmless; only then are jobs retried
  /// (after a worker crash, a failed attempt or a lost node).
  bool idempotent = true;
  /// Attempts per job including the first, unless the job asks for fewer.
  uint32_t max_attempts = 2;
  /// Which failed attempts are tried again, and how long to wait before.
  retry_policy retry;
  /// The skill's circuit breaker and fallback.
  breaker_policy breaker;
  /// Deadline of jobs that set none; 0 = the node default.
  caf::timespan timeout{0};
  /// Whether and how results are cached (off unless the skill opts in).
  cache_policy cache;
  /// Start the pool at its full size (a preloaded skill, see the cache's
  /// `preload-skills`), never below it.
  bool start_full = false;
  /// The code of a native skill: either `fn`, which returns the output, or
  /// `async_fn`, which answers later (then `mode` does not apply, and
  /// `workers` bounds the jobs awaiting a reply at once).
  skill_function fn;
  async_skill_function async_fn;
  /// How to run a process skill.
  process_options process;
};

/// Whether `skill` is a native skill answering through a `skill_reply`.
inline bool is_async(const skill_definition& skill) noexcept {
  return skill.kind == skill_kind::native && static_cast<bool>(skill.async_fn);
}

/// Whether `skill` is a native skill run inside its pool actor (one job at
/// a time, no worker).
inline bool runs_in_pool(const skill_definition& skill) noexcept {
  return skill.kind == skill_kind::native && !is_async(skill)
         && skill.mode == skill_mode::in_pool;
}

/// Runs `skill` on `input` in the calling thread and times it. A
/// `std::exception` becomes SKILL_ERROR; a `skill_output::crash`, or a throw
/// of anything else (real code may throw anything), is the death of the
/// worker. Nothing propagates.
skill_run run_skill(const skill_definition& skill, const std::string& input,
                    const skill_context& ctx = {});

/// Starts the asynchronous `skill` on `input` in the calling thread. What it
/// throws answers `reply` (unless it answered already): a `std::exception`
/// SKILL_ERROR, anything else a crash.
void start_async_skill(const skill_definition& skill, const std::string& input,
                       const skill_context& ctx, const skill_reply& reply);

/// How users name a skill's way of running: "in_pool", "scheduled",
/// "blocking", "async" (native) or "process".
std::string kind_name(const skill_definition& skill);

/// The skills a node offers, by name. Built before the node starts; not
/// thread-safe to modify afterwards.
class skill_catalog {
 public:
  /// Adds a skill; fails on an empty or duplicate name, a native skill
  /// without a function or a process skill without a command.
  [[nodiscard]] caf::error add(skill_definition def);

  /// Changes the definition of `name` through `edit`; false when there is
  /// no such skill. Only before the node starts.
  bool modify(const std::string& name,
              const std::function<void(skill_definition&)>& edit);

  /// The skill named `name`, or null.
  std::shared_ptr<const skill_definition> find(const std::string& name) const;

  /// All skills, sorted by name.
  std::vector<std::shared_ptr<const skill_definition>> all() const;

  size_t size() const noexcept {
    return skills_.size();
  }

 private:
  std::map<std::string, std::shared_ptr<const skill_definition>> skills_;
};

} // namespace troupe::skills
