#include "actors/base/helping_scheduler.hpp"

#include <caf/actor_system.hpp>

namespace troupe::base {

namespace {

/// Actors this thread is inside of: a thread running an actor never helps
/// (that would resume actors from within another one).
thread_local int actor_depth = 0;

/// The queue this thread helps (its sends wake no scheduler thread).
thread_local helping_sharing::coordinator_data* helping = nullptr;

} // namespace

void helping_sharing::enter_actor() {
  ++actor_depth;
}

void helping_sharing::leave_actor() {
  --actor_depth;
}

helping_sharing::coordinator_data::helper_unit::helper_unit(
  caf::actor_system* sys, coordinator_data* queue)
    : caf::execution_unit(sys), queue_(queue) {
  // nop
}

void helping_sharing::coordinator_data::helper_unit::exec_later(
  caf::resumable* job) {
  queue_->push(job);
}

helping_sharing::coordinator_data::coordinator_data(
  caf::scheduler::abstract_coordinator* parent)
    : parent_(parent), unit_(&parent->system(), this) {
  // nop
}

void helping_sharing::coordinator_data::push(caf::resumable* job) {
  std::unique_lock<std::mutex> guard{lock_};
  queue_.push_back(job);
  auto wake = sleepers_ > 0 && helping != this;
  guard.unlock();
  // Outside the lock: a woken thread does not block on it at once.
  if (wake)
    cv_.notify_one();
}

caf::resumable* helping_sharing::coordinator_data::take() {
  std::unique_lock<std::mutex> guard{lock_};
  if (queue_.empty()) {
    ++sleepers_;
    cv_.wait(guard, [this] {
      return !queue_.empty();
    });
    --sleepers_;
  }
  auto* job = queue_.front();
  queue_.pop_front();
  return job;
}

caf::resumable* helping_sharing::coordinator_data::take_for_helper() {
  std::lock_guard<std::mutex> guard{lock_};
  if (queue_.empty())
    return nullptr;
  auto* job = queue_.front();
  // Actors only: the coordinator's own jobs (the one that stops a
  // scheduler thread at shutdown) are for scheduler threads.
  if (job->subtype() != caf::resumable::scheduled_actor)
    return nullptr;
  queue_.pop_front();
  return job;
}

void helping_sharing::coordinator_data::help(size_t budget) {
  auto* outer = helping;
  helping = this;
  enter_actor();
  size_t done = 0;
  while (done < budget) {
    auto* job = take_for_helper();
    if (job == nullptr)
      break;
    ++done;
    switch (job->resume(&unit_, parent_->max_throughput())) {
      case caf::resumable::resume_later:
      case caf::resumable::shutdown_execution_unit:
        push(job);
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
        intrusive_ptr_release(job);
        break;
    }
  }
  leave_actor();
  helping = outer;
  // What is left goes to the scheduler threads.
  std::unique_lock<std::mutex> guard{lock_};
  auto left = queue_.size();
  auto wake = left > 0 && sleepers_ > 0;
  guard.unlock();
  if (wake) {
    if (left > 1)
      cv_.notify_all();
    else
      cv_.notify_one();
  }
}

void use_helping_scheduler(caf::actor_system_config& cfg) {
  cfg.module_factories.push_back(
    [](caf::actor_system& sys) -> caf::actor_system::module* {
      return new helping_coordinator(sys);
    });
}

help_scope::help_scope(caf::actor_system& sys, size_t budget)
    : budget_(budget) {
  if (actor_depth > 0 || helping != nullptr)
    return;
  auto* coordinator = dynamic_cast<helping_coordinator*>(&sys.scheduler());
  if (coordinator == nullptr)
    return;
  queue_ = &coordinator->data();
  helping = queue_;
}

help_scope::~help_scope() {
  if (queue_ == nullptr)
    return;
  helping = nullptr;
  queue_->help(budget_);
}

} // namespace troupe::base
