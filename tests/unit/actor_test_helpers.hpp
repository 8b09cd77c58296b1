#pragma once

// Helpers shared by the deterministic actor tests in this folder (header
// only: tests/CMakeLists.txt globs *.cpp).

#include "actors/skills/skill.hpp"
#include "messages/interfaces.hpp"
#include "tests/support/deterministic_system.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/resumable.hpp>
#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace troupe::test {

/// A non-blocking skill (so its workers are scheduled actors, which the test
/// coordinator runs, never detached threads).
inline std::shared_ptr<const skills::skill_definition>
make_skill(std::string name, skills::skill_function fn, bool idempotent = true,
           uint32_t max_attempts = 2) {
  auto def = std::make_shared<skills::skill_definition>();
  def->name = std::move(name);
  def->version = "3";
  def->description = "test skill " + def->name;
  def->mode = skills::skill_mode::scheduled;
  def->idempotent = idempotent;
  def->max_attempts = max_attempts;
  def->fn = std::move(fn);
  return def;
}

/// A skill that returns its input.
inline std::shared_ptr<const skills::skill_definition>
echo_skill(std::string name = "echo") {
  return make_skill(std::move(name), [](const std::string& in) {
    return skills::skill_output::success(in);
  });
}

inline job make_job(uint64_t id, std::string skill, std::string input = {}) {
  job j;
  j.id = id;
  j.skill = std::move(skill);
  j.input = std::move(input);
  return j;
}

/// The outcome of a request made by `start_request`.
template <class Result>
struct answer {
  bool done = false;
  std::optional<Result> value;
  caf::error error;
};

/// The scheduler job of an actor, for `run_only`.
template <class Handle>
caf::resumable* resumable_of(const Handle& hdl) {
  return dynamic_cast<caf::resumable*>(
    caf::actor_cast<caf::abstract_actor*>(hdl));
}

/// A deterministic_system with helpers to make requests without blocking
/// (a scoped_actor or function_view would wait forever on the test
/// coordinator) and to run only some actors.
class actor_test : public deterministic_system {
 public:
  /// Spawns an event-based actor that sends `xs...` to `dst` as a request
  /// and stores the response (or error) in the returned answer. Nothing runs
  /// until the test runs the scheduler.
  template <class Result, class Handle, class... Ts>
  std::shared_ptr<answer<Result>> start_request(const Handle& dst, Ts... xs) {
    auto out = std::make_shared<answer<Result>>();
    last_requester_ = sys().spawn([=](caf::event_based_actor* self) {
      self->request(dst, caf::infinite, xs...)
        .then(
          [=](Result& r) {
            out->value = std::move(r);
            out->done = true;
            self->quit();
          },
          [=](caf::error& err) {
            out->error = std::move(err);
            out->done = true;
            self->quit();
          });
      return caf::behavior{[](int32_t) {}};
    });
    return out;
  }

  /// Makes a request and runs all actors until idle.
  template <class Result, class Handle, class... Ts>
  std::optional<Result> ask(const Handle& dst, Ts... xs) {
    auto out = start_request<Result>(dst, xs...);
    run();
    EXPECT_TRUE(out->done) << "no response";
    EXPECT_FALSE(out->error) << sys().render(out->error);
    return out->value;
  }

  /// The actor spawned by the last start_request.
  caf::actor last_requester() const {
    return last_requester_;
  }

  /// Runs only the given actors (by their scheduler jobs) until none of them
  /// has anything left to do; every other actor keeps its mailbox.
  size_t run_only(std::vector<caf::resumable*> actors) {
    return sched().run_jobs_filtered([&](caf::resumable* r) {
      return std::find(actors.begin(), actors.end(), r) != actors.end();
    });
  }

  /// Runs every actor except the given ones until idle.
  size_t run_except(std::vector<caf::resumable*> actors) {
    return sched().run_jobs_filtered([&](caf::resumable* r) {
      return std::find(actors.begin(), actors.end(), r) == actors.end();
    });
  }

  /// Stops `hdl` at the end of the test (actors that reference each other
  /// would otherwise outlive the test).
  template <class Handle>
  void stop_at_end(const Handle& hdl) {
    to_stop_.push_back(caf::actor_cast<caf::actor>(hdl));
  }

  void TearDown() override {
    for (auto& hdl : to_stop_)
      caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
    to_stop_.clear();
    run();
  }

 private:
  caf::actor last_requester_;
  std::vector<caf::actor> to_stop_;
};

} // namespace troupe::test
