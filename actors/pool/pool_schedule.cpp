#include "actors/pool/pool_schedule.hpp"

namespace troupe::pool {

namespace {

// Failing starts are retried after 100 ms, 200 ms, ... up to 5 s; after
// this many failures in a row with no worker up, jobs are answered at once
// rather than left waiting.
constexpr auto first_start_backoff
  = caf::timespan{std::chrono::milliseconds(100)};
constexpr auto max_start_backoff = caf::timespan{std::chrono::seconds(5)};
constexpr uint32_t max_start_failures = 3;

} // namespace

pool_schedule::pool_schedule(schedule_limits limits)
    : limits_(limits), queue_(limits.priority_aging) {
  limits_.max_workers = std::max(limits_.max_workers, 1u);
  limits_.min_workers = std::min(limits_.min_workers, limits_.max_workers);
  workers_.reserve(limits_.max_workers);
}

// -- jobs ---------------------------------------------------------------------

pool_schedule::time_point
pool_schedule::deadline_for(const job& j, time_point now) const noexcept {
  return deadline_of(j, now, limits_.default_timeout);
}

uint32_t pool_schedule::attempts_allowed(const job& j) const noexcept {
  return j.options.max_attempts > 0
           ? std::min(j.options.max_attempts, limits_.max_attempts)
           : limits_.max_attempts;
}

uint64_t pool_schedule::push(job j, result_sink_actor sink, time_point arrived,
                             time_point deadline, uint32_t attempts) {
  auto ticket = next_ticket_++;
  auto place = queue_.make_entry(ticket, j.options.priority, arrived);
  deadlines_.push(deadline, ticket);
  jobs_.emplace(ticket, pending_job{std::move(j),
                                    std::move(sink),
                                    arrived,
                                    deadline,
                                    {},
                                    place,
                                    attempts,
                                    0});
  queue_.push(place);
  ++queued_;
  return ticket;
}

bool pool_schedule::next_assignment(time_point now, assignment& out) {
  uint64_t ticket = 0;
  if (idle_.empty() || !next_queued(ticket))
    return false;
  auto& pj = jobs_[ticket];
  // The deadline travels with the job: one that expired while waiting is
  // answered without running, even if its timer has not fired yet.
  if (pj.deadline <= now) {
    out = assignment{ticket, 0, true};
    return true;
  }
  auto id = idle_.back();
  idle_.pop_back();
  auto& w = workers_[id];
  w.ticket = ticket;
  w.answered = false;
  ++busy_;
  --queued_;
  pj.worker = id;
  pj.started = now;
  ++pj.attempts;
  out = assignment{ticket, id, false};
  return true;
}

bool pool_schedule::next_queued(uint64_t& ticket) {
  if (queued_ == 0)
    return false;
  job_queue::entry next;
  if (!queue_.pop(
        [this](uint64_t t) {
          return is_queued(t);
        },
        next))
    return false;
  ticket = next.ticket;
  return true;
}

pool_schedule::lost_outcome pool_schedule::lost_attempt(uint64_t ticket,
                                                        bool taken) {
  auto i = jobs_.find(ticket);
  if (i == jobs_.end())
    return lost_outcome::gone;
  auto& pj = i->second;
  // A worker that ended before it took the job made no attempt.
  if (!taken && --pj.attempts == 0)
    pj.started = time_point{};
  if (taken && !may_retry(pj))
    return lost_outcome::failed;
  pj.worker = 0;
  queue_.push(pj.place);
  ++queued_;
  return lost_outcome::requeued;
}

void pool_schedule::compact() {
  deadlines_.compact(jobs_, [](const pending_job& pj) {
    return pj.deadline;
  });
  queue_.compact(queued_, [this](uint64_t t) {
    return is_queued(t);
  });
}

// -- workers ------------------------------------------------------------------

pool_schedule::time_point pool_schedule::make_idle(uint64_t id, worker_slot& w,
                                                   time_point now) {
  w.idle_since = now;
  idle_.push_back(id);
  return workers_.size() > limits_.min_workers ? now + limits_.idle_timeout
                                               : time_point::max();
}

pool_schedule::time_point pool_schedule::add_worker(uint64_t id, bool ready,
                                                    time_point now) {
  auto& w = workers_.emplace(id, worker_slot{}).first->second;
  w.ready = ready;
  if (ready)
    return make_idle(id, w, now);
  ++starting_;
  return time_point::max();
}

bool pool_schedule::worker_ready(uint64_t id, time_point now,
                                 time_point& retire_at) {
  auto i = workers_.find(id);
  if (i == workers_.end() || i->second.ready)
    return false;
  i->second.ready = true;
  --starting_;
  retire_at = make_idle(id, i->second, now);
  return true;
}

pool_schedule::worker_slot pool_schedule::remove_worker(uint64_t id) {
  auto i = workers_.find(id);
  auto w = i->second;
  workers_.erase(i);
  auto idle = std::find(idle_.begin(), idle_.end(), id);
  if (idle != idle_.end())
    idle_.erase(idle);
  else if (!w.ready)
    --starting_;
  else if (w.ticket != 0)
    --busy_;
  return w;
}

pool_schedule::time_point pool_schedule::release(uint64_t id, time_point now) {
  auto& w = workers_[id];
  w.ticket = 0;
  w.answered = false;
  --busy_;
  return make_idle(id, w, now);
}

bool pool_schedule::end_run(uint64_t id, uint64_t ticket, time_point now,
                            bool& answered, bool& recycle,
                            time_point& retire_at) {
  auto i = workers_.find(id);
  if (i == workers_.end() || i->second.ticket != ticket)
    return false;
  auto& w = i->second;
  answered = w.answered;
  // A worker that finished a job works: starts stop backing off.
  if (limits_.first_job_proves_start)
    start_failures_ = 0;
  w.ticket = 0;
  w.answered = false;
  ++w.jobs_done;
  --busy_;
  recycle = limits_.recycle_after > 0 && w.jobs_done >= limits_.recycle_after;
  if (recycle)
    remove_worker(id);
  else
    retire_at = make_idle(id, w, now);
  return true;
}

size_t pool_schedule::workers_to_start(time_point now,
                                       time_point& retry_at) const {
  retry_at = time_point::max();
  auto covered = idle_.size() + starting_;
  auto want = queued_ > covered ? queued_ - covered : 0;
  auto total = workers_.size();
  auto target = std::max<size_t>(
    limits_.min_workers, std::min<size_t>(limits_.max_workers, total + want));
  if (start_failures_ == 0)
    return target > total ? target - total : 0;
  // Failing starts go one at a time, after the backoff, not in a tight loop.
  if (starting_ > 0)
    return 0;
  if (cannot_start())
    target = std::max<size_t>(target, 1);
  if (total >= target)
    return 0;
  if (now < next_start_) {
    retry_at = next_start_;
    return 0;
  }
  return 1;
}

// -- failed starts ------------------------------------------------------------

pool_schedule::time_point pool_schedule::start_failed(std::string reason,
                                                      time_point now) {
  ++start_failures_;
  start_error_ = std::move(reason);
  auto backoff = std::min<caf::timespan>(
    first_start_backoff * (int64_t{1} << std::min(start_failures_ - 1, 10u)),
    max_start_backoff);
  next_start_ = now + backoff;
  return next_start_;
}

bool pool_schedule::cannot_start() const noexcept {
  return start_failures_ >= max_start_failures && busy_ == 0 && idle_.empty();
}

} // namespace troupe::pool
