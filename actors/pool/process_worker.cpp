#include "actors/pool/process_worker.hpp"

#include "actors/log/logging.hpp"
#include "actors/pool/child_process.hpp"
#include "actors/pool/stderr_throttle.hpp"
#include "messages/errors.hpp"
#include "messages/wire/worker_codec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

namespace troupe::pool {

namespace {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

// Worker processes not reaped yet, for `wait_all`.
struct live_children {
  std::mutex mtx;
  std::condition_variable cv;
  size_t count = 0;
};

live_children& children() {
  // Never destroyed: threads still reaping children at exit may use it.
  static auto* x = new live_children;
  return *x;
}

std::string millis(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + " ms";
}

// Longest stderr line logged; the rest of it is cut.
constexpr size_t max_log_line = 1024;

// Read from stderr in one go before the other pipes get their turn: a child
// flooding its stderr must not hold up its answers.
constexpr size_t stderr_read_bytes = 64 * 1024;
constexpr int stderr_reads_per_round = 16;

// How often a child is checked for having ended where pidfds are missing.
constexpr auto reap_poll = std::chrono::milliseconds(10);

} // namespace

struct process_worker::shared_state {
  struct pending {
    uint64_t ticket;
    std::string input;
    caf::timespan time_left;
    uint32_t attempt;
    uint64_t trace;
  };

  std::shared_ptr<const skills::skill_definition> skill;
  /// Called by the thread under `cb_mtx`, and only while the owner lives:
  /// the destructor takes them away, so that nothing the callbacks refer to
  /// is used after the owner let the worker go.
  std::mutex cb_mtx;
  callbacks cb;
  bool owner_gone = false;
  /// Wakes the thread for a command; owned here, so that it is never closed
  /// while the pool may still write to it.
  int wake = -1;
  std::mutex mtx;
  std::optional<pending> next;
  bool stop = false;
  bool kill = false;

  ~shared_state() {
    if (wake >= 0)
      ::close(wake);
  }

  void notify() {
    uint64_t one = 1;
    auto n = ::write(wake, &one, sizeof(one));
    (void)n; // a full counter wakes the thread just as well
  }

  /// Calls `f(cb)` unless the owner is gone.
  template <class F>
  void deliver(F&& f) {
    std::lock_guard<std::mutex> guard{cb_mtx};
    if (!owner_gone)
      f(cb);
  }

  void forget_owner() {
    std::lock_guard<std::mutex> guard{cb_mtx};
    owner_gone = true;
    cb = callbacks{};
  }
};

namespace {

using shared_ptr = std::shared_ptr<process_worker::shared_state>;

// One child process, looked after by the worker's thread from start to
// reaping. Everything here runs in that thread.
class session {
 public:
  session(shared_ptr st, child_process child)
      : st_(std::move(st)), skill_(*st_->skill), opts_(skill_.process),
        child_(child), reader_(opts_.max_frame_bytes),
        err_(
          stderr_throttle::limits{opts_.stderr_lines_per_second, max_log_line},
          [this](std::string_view line) {
            // While it runs a job, what the child says is about the job.
            if (job_ticket_ != 0 && job_trace_ != 0)
              log::about_job(log::actors(), spdlog::level::info, job_trace_,
                             "skill {} [pid {}]: {}", skill_.name, child_.pid,
                             line);
            else
              log::actors().info("skill {} [pid {}]: {}", skill_.name,
                                 child_.pid, line);
          },
          [this](uint64_t lines) {
            log::actors().warn("skill {} [pid {}]: {} lines of stderr "
                               "dropped (more than {} lines per second)",
                               skill_.name, child_.pid, lines,
                               opts_.stderr_lines_per_second);
          },
          clock_type::now()) {
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, child_.pid, 0));
    for (int fd : {child_.in, child_.out, child_.err})
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    auto now = clock_type::now();
    start_deadline_ = now + opts_.start_timeout;
    last_active_ = now;
    send_ping(now);
    log::actors().debug("skill {}: started worker process {}", skill_.name,
                        child_.pid);
  }

  void run() {
    while (!reaped_) {
      auto now = clock_type::now();
      take_commands(now);
      check_timers(now);
      if (reaped_)
        break;
      wait_for_io(now);
    }
    drain_output();
    err_.finish(clock_type::now());
    close_fds();
    report();
  }

 private:
  // -- commands from the pool -------------------------------------------------

  void take_commands(time_point now) {
    std::optional<process_worker::shared_state::pending> job;
    bool stop = false;
    bool kill = false;
    {
      std::lock_guard<std::mutex> guard{st_->mtx};
      job.swap(st_->next);
      stop = st_->stop;
      kill = st_->kill;
    }
    if (job) {
      job_ticket_ = job->ticket;
      job_trace_ = job->trace;
      job_started_ = now;
      // A child being stopped or killed never gets the job; `report` hands
      // it back to the pool with the reason.
      if (!killing_ && !stopping_ && child_.in >= 0) {
        job_id_ = next_id_++;
        wire::worker_codec::append_job(out_buf_, job_id_, skill_.name,
                                       skill_.version, job->input,
                                       job->time_left, job->attempt);
        flush_stdin();
      }
    }
    if (kill && !killing_)
      terminate(now);
    if (stop && !stopping_ && !killing_) {
      // EOF on stdin asks the child to exit; it gets the grace period.
      stopping_ = true;
      close_stdin();
      term_at_ = now + opts_.kill_grace;
    }
  }

  // -- time -------------------------------------------------------------------

  void check_timers(time_point now) {
    if (!killing_) {
      if (!started_ && now >= start_deadline_)
        fault(restart_reason::start_failed,
              "did not answer its first ping within "
                + millis(opts_.start_timeout),
              now);
      else if (started_ && ping_id_ != 0 && now >= ping_deadline_)
        fault(restart_reason::unhealthy,
              "did not answer a ping within " + millis(opts_.ping_timeout),
              now);
      else if (eof_ && now >= eof_deadline_)
        fault(restart_reason::unhealthy, "closed its stdout but kept running",
              now);
      else if (stopping_ && now >= term_at_)
        terminate(now);
      else if (idle() && now >= last_active_ + opts_.ping_interval)
        send_ping(now);
    } else if (!sigkill_sent_ && now >= kill_at_) {
      signal(SIGKILL);
      sigkill_sent_ = true;
    }
    if (pidfd_ < 0 && (killing_ || stopping_ || eof_))
      try_reap();
    err_.tick(now);
  }

  bool idle() const {
    return started_ && job_id_ == 0 && ping_id_ == 0 && !stopping_;
  }

  // Milliseconds until the next timer, -1 = none.
  int poll_timeout(time_point now) const {
    auto next = time_point::max();
    auto consider = [&](time_point t) {
      next = std::min(next, t);
    };
    if (!killing_) {
      if (!started_)
        consider(start_deadline_);
      if (ping_id_ != 0)
        consider(ping_deadline_);
      if (eof_)
        consider(eof_deadline_);
      if (stopping_)
        consider(term_at_);
      if (idle())
        consider(last_active_ + opts_.ping_interval);
    } else if (!sigkill_sent_) {
      consider(kill_at_);
    }
    if (pidfd_ < 0 && (killing_ || stopping_ || eof_))
      consider(now + reap_poll);
    consider(err_.report_due());
    if (next == time_point::max())
      return -1;
    if (next <= now)
      return 0;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now)
                .count()
              + 1;
    return static_cast<int>(std::min<int64_t>(ms, 60'000));
  }

  // -- I/O --------------------------------------------------------------------

  void wait_for_io(time_point now) {
    pollfd fds[5];
    nfds_t n = 0;
    auto add = [&](int fd, short events) {
      fds[n].fd = fd;
      fds[n].events = events;
      fds[n].revents = 0;
      return n++;
    };
    auto wake = add(st_->wake, POLLIN);
    auto out = child_.out >= 0 ? add(child_.out, POLLIN) : nfds_t(-1);
    auto err = child_.err >= 0 ? add(child_.err, POLLIN) : nfds_t(-1);
    auto in = child_.in >= 0 && out_pos_ < out_buf_.size()
                ? add(child_.in, POLLOUT)
                : nfds_t(-1);
    auto pid = pidfd_ >= 0 ? add(pidfd_, POLLIN) : nfds_t(-1);
    auto rc = ::poll(fds, n, poll_timeout(now));
    if (rc <= 0)
      return;
    now = clock_type::now();
    if (fds[wake].revents != 0) {
      uint64_t count;
      auto r = ::read(st_->wake, &count, sizeof(count));
      (void)r;
    }
    // stderr first: what the child wrote there before it answered belongs
    // to the job it answered, which ends with the answer.
    if (err != nfds_t(-1) && fds[err].revents != 0)
      read_stderr(now);
    if (out != nfds_t(-1) && fds[out].revents != 0)
      read_stdout(now);
    if (in != nfds_t(-1) && fds[in].revents != 0)
      flush_stdin();
    if (pid != nfds_t(-1) && fds[pid].revents != 0)
      try_reap();
  }

  void flush_stdin() {
    while (child_.in >= 0 && out_pos_ < out_buf_.size()) {
      auto n = ::write(child_.in, out_buf_.data() + out_pos_,
                       out_buf_.size() - out_pos_);
      if (n > 0) {
        out_pos_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      // EPIPE: the child closed its stdin (it is ending); what it says
      // next, or how it ends, tells the rest.
      close_stdin();
      return;
    }
    if (out_pos_ == out_buf_.size()) {
      out_buf_.clear();
      out_pos_ = 0;
    }
  }

  void read_stdout(time_point now) {
    for (;;) {
      auto* p = reader_.prepare(64 * 1024);
      auto n = ::read(child_.out, p, 64 * 1024);
      if (n > 0) {
        reader_.commit(static_cast<size_t>(n));
        handle_frames(now);
        if (child_.out < 0)
          return;
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      // EOF (or a read error, which is as final): the child is ending, or
      // it broke its stdout; it gets the grace period to exit by itself.
      ::close(child_.out);
      child_.out = -1;
      if (!eof_) {
        eof_ = true;
        eof_deadline_ = now + opts_.kill_grace;
      }
      return;
    }
  }

  void handle_frames(time_point now) {
    std::string_view payload;
    for (;;) {
      auto status = reader_.next(payload);
      if (status == wire::worker_codec::frame_reader::status::incomplete)
        return;
      if (status == wire::worker_codec::frame_reader::status::too_large) {
        fault(restart_reason::unhealthy,
              "sent a frame of " + std::to_string(reader_.refused_length())
                + " bytes, more than max-frame-bytes ("
                + std::to_string(opts_.max_frame_bytes) + ")",
              now);
        // Nothing it sends can be trusted any more.
        ::close(child_.out);
        child_.out = -1;
        return;
      }
      handle_frame(payload, now);
    }
  }

  void handle_frame(std::string_view payload, time_point now) {
    auto resp = wire::worker_codec::decode_response(payload);
    if (!resp) {
      fault(restart_reason::unhealthy,
            "broke the worker protocol: " + message_of(resp.error()), now);
      return;
    }
    last_active_ = now;
    if (resp->what == wire::worker_codec::response::kind::pong) {
      if (ping_id_ == 0 || resp->id != ping_id_) {
        unexpected_answer(resp->id, now);
        return;
      }
      ping_id_ = 0;
      if (!started_) {
        started_ = true;
        st_->deliver([](auto& cb) {
          cb.ready();
        });
      }
      return;
    }
    if (job_id_ == 0 || resp->id != job_id_) {
      unexpected_answer(resp->id, now);
      return;
    }
    job_result r;
    switch (resp->what) {
      case wire::worker_codec::response::kind::output:
        r.status = job_status::ok;
        r.output = std::move(resp->data);
        break;
      case wire::worker_codec::response::kind::bad_input:
        r.status = job_status::bad_input;
        r.error = std::move(resp->data);
        break;
      default:
        r.status = job_status::skill_error;
        r.error = std::move(resp->data);
        break;
    }
    r.run_time = now - job_started_;
    auto ticket = job_ticket_;
    job_id_ = 0;
    job_ticket_ = 0;
    st_->deliver([&](auto& cb) {
      cb.done(ticket, std::move(r));
    });
  }

  void unexpected_answer(uint64_t id, time_point now) {
    fault(restart_reason::unhealthy,
          "broke the worker protocol: answered request " + std::to_string(id)
            + ", which is not outstanding",
          now);
  }

  void read_stderr(time_point now) {
    char buf[stderr_read_bytes];
    for (int round = 0; round < stderr_reads_per_round; ++round) {
      auto n = ::read(child_.err, buf, sizeof(buf));
      if (n > 0) {
        err_.feed(std::string_view{buf, static_cast<size_t>(n)}, now);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      err_.finish(now);
      ::close(child_.err);
      child_.err = -1;
      return;
    }
  }

  // Reads what the child wrote before it ended: a last answer, last words.
  void drain_output() {
    auto now = clock_type::now();
    if (child_.out >= 0)
      read_stdout(now);
    if (child_.err >= 0)
      read_stderr(now);
  }

  // -- the child --------------------------------------------------------------

  void send_ping(time_point now) {
    ping_id_ = next_id_++;
    ping_deadline_ = now
                     + (started_ ? opts_.ping_timeout : opts_.start_timeout);
    wire::worker_codec::append_ping(out_buf_, ping_id_);
    flush_stdin();
  }

  // Something is wrong with the child: remember the first reason, kill it.
  void fault(restart_reason why, std::string what, time_point now) {
    if (!fault_) {
      fault_ = why;
      fault_text_ = std::move(what);
      log::actors().warn("skill {}: worker process {} {}; killing it",
                         skill_.name, child_.pid, fault_text_);
    }
    if (!killing_)
      terminate(now);
  }

  void terminate(time_point now) {
    killing_ = true;
    kill_at_ = now + opts_.kill_grace;
    close_stdin();
    signal(SIGTERM);
  }

  void signal(int sig) {
    if (reaped_)
      return;
    // The whole group: whatever the worker started goes with it.
    if (::kill(-child_.pid, sig) != 0)
      ::kill(child_.pid, sig);
  }

  void try_reap() {
    if (reaped_)
      return;
    siginfo_t info;
    info.si_pid = 0;
    if (::waitid(P_PID, static_cast<id_t>(child_.pid), &info,
                 WEXITED | WNOHANG | WNOWAIT)
        != 0) {
      // Reaped by someone else (an application ignoring SIGCHLD).
      reaped_ = errno == ECHILD;
      return;
    }
    if (info.si_pid == 0)
      return; // still running
    // Whatever it left in its group goes too; until the wait below the
    // group's id cannot be reused, so the signal reaches nobody else.
    ::kill(-child_.pid, SIGKILL);
    int status = 0;
    while (::waitpid(child_.pid, &status, 0) < 0 && errno == EINTR) {
      // retry
    }
    reaped_ = true;
    wait_status_ = status;
  }

  void close_stdin() {
    if (child_.in >= 0) {
      ::close(child_.in);
      child_.in = -1;
    }
    out_buf_.clear();
    out_pos_ = 0;
  }

  void close_fds() {
    close_stdin();
    for (int* fd : {&child_.out, &child_.err, &pidfd_})
      if (*fd >= 0) {
        ::close(*fd);
        *fd = -1;
      }
  }

  void report() {
    auto how = "process " + std::to_string(child_.pid) + " "
               + describe_exit(wait_status_);
    log::actors().debug("skill {}: worker {}", skill_.name, how);
    // Whatever went wrong before the first pong, the worker never started.
    auto why = started_ ? fault_.value_or(restart_reason::crashed)
                        : restart_reason::start_failed;
    auto text = fault_     ? fault_text_ + "; " + how
                : started_ ? how
                           : "ended before answering its first ping; " + how;
    st_->deliver([&](auto& cb) {
      cb.lost(job_ticket_, why, std::move(text));
    });
  }

  shared_ptr st_;
  const skills::skill_definition& skill_;
  const skills::process_options& opts_;
  child_process child_;
  int pidfd_ = -1;
  wire::worker_codec::frame_reader reader_;
  std::string out_buf_;
  size_t out_pos_ = 0;
  stderr_throttle err_;
  uint64_t next_id_ = 1;
  // Start and health checks.
  bool started_ = false;
  time_point start_deadline_;
  uint64_t ping_id_ = 0;
  time_point ping_deadline_;
  time_point last_active_;
  // The job being run (ids 0 = none).
  uint64_t job_id_ = 0;
  uint64_t job_ticket_ = 0;
  /// The correlation id of the job running (with `job_ticket_`).
  uint64_t job_trace_ = 0;
  time_point job_started_;
  // Ending.
  bool eof_ = false;
  time_point eof_deadline_;
  bool stopping_ = false;
  time_point term_at_;
  bool killing_ = false;
  bool sigkill_sent_ = false;
  time_point kill_at_;
  std::optional<restart_reason> fault_;
  std::string fault_text_;
  bool reaped_ = false;
  int wait_status_ = 0;
};

void thread_main(shared_ptr st) {
  // Writes to a child that went away must fail with EPIPE, not kill the
  // node, whatever the embedding application does with SIGPIPE.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
  auto& skill = *st->skill;
  process_spec spec;
  spec.command = skill.process.command;
  spec.args = skill.process.args;
  spec.env = skill.process.env;
  spec.env["TROUPE_SKILL"] = skill.name;
  spec.env["TROUPE_SKILL_VERSION"] = skill.version;
  spec.workdir = skill.process.workdir;
  auto child = start_child(spec);
  if (!child) {
    st->deliver([&](auto& cb) {
      cb.lost(0, restart_reason::start_failed, message_of(child.error()));
    });
  } else {
    session s{st, *child};
    s.run();
  }
  auto& live = children();
  {
    std::lock_guard<std::mutex> guard{live.mtx};
    --live.count;
  }
  live.cv.notify_all();
}

} // namespace

process_worker::process_worker(
  std::shared_ptr<const skills::skill_definition> skill, callbacks cb)
    : state_(std::make_shared<shared_state>()) {
  state_->skill = std::move(skill);
  state_->cb = std::move(cb);
  state_->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (state_->wake < 0)
    throw std::system_error{errno, std::generic_category(),
                            "cannot create an eventfd"};
  auto& live = children();
  {
    std::lock_guard<std::mutex> guard{live.mtx};
    ++live.count;
  }
  try {
    // Detached: the thread ends by itself once its child is reaped, which
    // may take the grace periods; nobody waits for it but `wait_all`.
    std::thread{thread_main, state_}.detach();
  } catch (...) {
    std::lock_guard<std::mutex> guard{live.mtx};
    --live.count;
    throw;
  }
}

process_worker::~process_worker() {
  state_->forget_owner();
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->stop = true;
  }
  state_->notify();
}

void process_worker::run(uint64_t ticket, std::string input,
                         caf::timespan time_left, uint32_t attempt,
                         uint64_t trace) {
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->next = shared_state::pending{ticket, std::move(input), time_left,
                                         attempt, trace};
  }
  state_->notify();
}

void process_worker::kill() {
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->kill = true;
  }
  state_->notify();
}

size_t process_worker::live() noexcept {
  auto& live = children();
  std::lock_guard<std::mutex> guard{live.mtx};
  return live.count;
}

size_t process_worker::wait_all(std::chrono::milliseconds max) {
  auto& live = children();
  std::unique_lock<std::mutex> guard{live.mtx};
  live.cv.wait_for(guard, max, [&] {
    return live.count == 0;
  });
  return live.count;
}

} // namespace troupe::pool
