#include "actors/door/admission.hpp"

#include "config/units.hpp"

#include <algorithm>

namespace troupe::door {

namespace {

std::string jobs_text(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " job" : " jobs");
}

} // namespace

std::string describe(const admission& a) {
  auto retry = [&a] {
    return "; retry in "
           + config::duration_text(
             std::chrono::duration_cast<caf::timespan>(a.retry_after));
  };
  switch (a.outcome) {
    case verdict::admitted:
      return {};
    case verdict::in_flight_full:
      return jobs_text(a.current) + " in flight, the token's limit is "
             + std::to_string(a.limit) + retry();
    case verdict::rate_exceeded:
      return "over the token's rate of " + std::to_string(a.limit)
             + " jobs/s: " + jobs_text(a.jobs) + " asked, "
             + std::to_string(a.current) + " available now" + retry();
    case verdict::batch_too_large:
      return "a batch of " + jobs_text(a.jobs) + " exceeds the token's "
             + (a.by_burst ? "burst" : "in-flight limit") + " of "
             + std::to_string(a.limit) + "; send smaller batches";
  }
  return {};
}

token_gate::token_gate(const token_limits& limits) noexcept
    : max_in_flight_(limits.in_flight.value_or(0)),
      rate_(limits.rate.value_or(0)),
      capacity_(limits.effective_burst().value_or(0) * unit) {
  // nop
}

void token_gate::refill(admission_clock::time_point now) noexcept {
  if (!started_) {
    started_ = true;
    refilled_ = now;
    credit_ = capacity_;
    return;
  }
  if (now <= refilled_)
    return;
  auto elapsed = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(now - refilled_)
      .count());
  refilled_ = now;
  // Compared before multiplying: a long quiet spell would overflow
  // elapsed * rate_, and fills the bucket anyway.
  auto room = capacity_ - credit_;
  if (elapsed >= room / rate_ + 1)
    credit_ = capacity_;
  else
    credit_ += elapsed * rate_;
}

admission_clock::duration token_gate::wait_for(uint64_t jobs) const noexcept {
  auto need = jobs * unit;
  if (need <= credit_)
    return admission_clock::duration{0};
  auto ns = (need - credit_ + rate_ - 1) / rate_;
  return std::chrono::duration_cast<admission_clock::duration>(
    std::chrono::nanoseconds{static_cast<int64_t>(ns)});
}

admission token_gate::admit(uint64_t jobs,
                            admission_clock::time_point now) noexcept {
  admission a;
  a.jobs = jobs;
  if (jobs == 0)
    return a;
  if (max_in_flight_ != 0 && jobs > max_in_flight_) {
    a.outcome = verdict::batch_too_large;
    a.limit = max_in_flight_;
    return a;
  }
  if (rate_ != 0 && jobs > capacity_ / unit) {
    a.outcome = verdict::batch_too_large;
    a.limit = capacity_ / unit;
    a.by_burst = true;
    return a;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  // Refilling changes what the bucket holds, never what it will hold at a
  // given time, so a refused request that refilled still changed nothing.
  if (rate_ != 0)
    refill(now);
  auto rate_wait = rate_ != 0 ? wait_for(jobs) : admission_clock::duration{0};
  if (max_in_flight_ != 0 && in_flight_ + jobs > max_in_flight_) {
    a.outcome = verdict::in_flight_full;
    a.limit = max_in_flight_;
    a.current = in_flight_;
    // Retrying before the rate allows would only be refused again.
    a.retry_after = std::max<admission_clock::duration>(in_flight_retry_hint,
                                                        rate_wait);
    return a;
  }
  if (rate_wait > admission_clock::duration{0}) {
    a.outcome = verdict::rate_exceeded;
    a.limit = rate_;
    a.current = credit_ / unit;
    a.retry_after = rate_wait;
    return a;
  }
  if (max_in_flight_ != 0)
    in_flight_ += jobs;
  if (rate_ != 0)
    credit_ -= jobs * unit;
  return a;
}

void token_gate::release(uint64_t jobs) noexcept {
  if (max_in_flight_ == 0)
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  in_flight_ -= std::min(jobs, in_flight_);
}

uint64_t token_gate::in_flight() const noexcept {
  std::lock_guard<std::mutex> guard{mtx_};
  return in_flight_;
}

admission_control::admission_control(const token_table& table) : table_(table) {
  for (const auto& entry : table.entries())
    gates_.emplace_back(entry.limits);
}

} // namespace troupe::door
