#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/execution_unit.hpp>
#include <caf/policy/unprofiled.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/coordinator.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace troupe::base {

/// CAF's work sharing (one queue for all scheduler threads) with one
/// addition: a thread outside the scheduler that hands work to actors — a
/// gRPC thread with a client's job — may run the actors that work made
/// ready itself, inside a `help_scope`, instead of waking a scheduler
/// thread. A quick job then goes in and its result goes out on the thread
/// that read it, as a plain gRPC server answers, without the two thread
/// hand-offs (and the lock ping-pong between them) that cost a sequential
/// client tens of microseconds per job. Actor code is short and never
/// blocks by troupe's contract, so a helping thread is back to its own work
/// soon; a help is bounded all the same.
class helping_sharing : public caf::policy::unprofiled {
 public:
  /// The queue, shared by scheduler threads and helping threads.
  class coordinator_data {
   public:
    explicit coordinator_data(caf::scheduler::abstract_coordinator* parent);

    /// Queues a job; wakes a sleeping scheduler thread unless the calling
    /// thread helps (it runs the job itself, or wakes one when it stops).
    void push(caf::resumable* job);

    /// A job for a scheduler thread; waits for one.
    caf::resumable* take();

    /// Runs up to `budget` jobs on the calling thread.
    void help(size_t budget);

    /// Hands every queued job to `f` (at shutdown).
    template <class F>
    void drain(F f) {
      std::unique_lock<std::mutex> guard{lock_};
      while (!queue_.empty()) {
        auto* job = queue_.front();
        queue_.pop_front();
        f(job);
      }
    }

   private:
    /// What a helping thread runs actors on: its sends queue here.
    class helper_unit final : public caf::execution_unit {
     public:
      helper_unit(caf::actor_system* sys, coordinator_data* queue);
      void exec_later(caf::resumable* job) override;

     private:
      coordinator_data* queue_;
    };

    /// The next job a helping thread may run, if any.
    caf::resumable* take_for_helper();

    caf::scheduler::abstract_coordinator* parent_;
    helper_unit unit_;
    std::mutex lock_;
    std::condition_variable cv_;
    std::deque<caf::resumable*> queue_;
    /// Scheduler threads waiting on `cv_`.
    size_t sleepers_ = 0;
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {
      // nop
    }
  };

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    d(self).push(job);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    d(self->parent()).push(job);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    d(self->parent()).push(job);
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    d(self->parent()).push(job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    return d(self->parent()).take();
  }

  template <class Worker>
  void before_resume(Worker*, caf::resumable*) {
    enter_actor();
  }

  template <class Worker>
  void after_resume(Worker*, caf::resumable*) {
    leave_actor();
  }

  template <class Worker, class F>
  void foreach_resumable(Worker*, F) {
    // nop: every job waits in the shared queue
  }

  template <class Coordinator, class F>
  void foreach_central_resumable(Coordinator* self, F f) {
    d(self).drain(f);
  }

 private:
  static void enter_actor();
  static void leave_actor();
};

/// The scheduler of a node whose policy is "sharing".
using helping_coordinator = caf::scheduler::coordinator<helping_sharing>;

/// Makes systems built from `cfg` use the helping scheduler.
void use_helping_scheduler(caf::actor_system_config& cfg);

/// While it lives, actors that the calling thread's sends make ready wait
/// for it rather than waking a scheduler thread; it runs them when it ends
/// (at most `budget` resumes, then a scheduler thread takes the rest). Does
/// nothing on a system with another scheduler, on a scheduler thread, or
/// inside an actor.
class help_scope {
 public:
  explicit help_scope(caf::actor_system& sys, size_t budget = 64);
  ~help_scope();

  help_scope(const help_scope&) = delete;
  help_scope& operator=(const help_scope&) = delete;

 private:
  helping_sharing::coordinator_data* queue_ = nullptr;
  size_t budget_;
};

} // namespace troupe::base
