// The supervisor actor, message by message on the deterministic scheduler:
// each strategy, each restart type, intensity escalation, ordered start and
// reverse-order stop with shutdown timeouts, backoff and watchers.
#include "actors/supervision/supervisor.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::child_event;
using troupe::supervisor_actor;
using troupe::supervisor_report;
using troupe::supervision::child_context;
using troupe::supervision::child_spec;
using troupe::supervision::restart_strategy;
using troupe::supervision::restart_type;
using troupe::supervision::supervisor_config;
namespace atom = troupe::atom;

using event_log = std::shared_ptr<std::vector<std::string>>;

class Supervisor : public troupe::test::actor_test {
 public:
  /// A child that logs its start and end; "crash" makes it fail, "exit"
  /// makes it end normally. A stubborn child ignores polite shutdowns.
  troupe::supervision::child_spec
  child(std::string name,
        troupe::supervision::restart_type type
        = troupe::supervision::restart_type::permanent,
        bool stubborn = false) {
    troupe::supervision::child_spec spec;
    spec.name = name;
    spec.restart = type;
    spec.shutdown_timeout = 1s;
    auto log = events;
    spec.start = [log, name,
                  stubborn](const troupe::supervision::child_context& ctx) {
      log->push_back("start " + name);
      auto h = ctx.sys.spawn([stubborn](caf::event_based_actor* self) {
        if (stubborn)
          self->set_exit_handler([](caf::exit_msg&) {});
        return caf::behavior{
          [self](const std::string& cmd) {
            if (cmd == "crash")
              self->quit(caf::make_error(caf::sec::runtime_error, "boom"));
            else if (cmd == "exit")
              self->quit();
          },
          [](int32_t x) {
            return x;
          },
        };
      });
      h->attach_functor([log, name] {
        log->push_back("stop " + name);
      });
      return h;
    };
    return spec;
  }

  troupe::supervision::supervisor_config
  config(troupe::supervision::restart_strategy strategy,
         std::vector<troupe::supervision::child_spec> children) {
    troupe::supervision::supervisor_config cfg;
    cfg.path = "sup";
    cfg.strategy = strategy;
    cfg.intensity = {5, 10s};
    cfg.children = std::move(children);
    cfg.seed = 1;
    return cfg;
  }

  supervisor_actor spawn_sup(troupe::supervision::supervisor_config cfg) {
    auto sup = sys().spawn(troupe::supervision::supervisor, std::move(cfg));
    run();
    return sup;
  }

  caf::actor child_of(const supervisor_actor& sup, const std::string& name) {
    auto res = start_request<caf::actor>(sup, atom::get::value, name);
    run();
    return res->value ? *res->value : caf::actor{};
  }

  void tell(const caf::actor& child, std::string cmd) {
    caf::anon_send(child, std::move(cmd));
    run();
  }

  supervisor_report report(const supervisor_actor& sup) {
    auto r = ask<supervisor_report>(sup, atom::status::value);
    return r ? *r : supervisor_report{};
  }

  /// Records the exit reason of `hdl` in `out`.
  template <class Handle>
  void on_exit_of(const Handle& hdl, std::shared_ptr<caf::error> out) {
    hdl->attach_functor([out](const caf::error& reason) {
      *out = reason;
    });
  }

  std::vector<std::string> take_events() {
    auto out = *events;
    events->clear();
    return out;
  }

  event_log events = std::make_shared<std::vector<std::string>>();
};

using strings = std::vector<std::string>;

TEST_F(Supervisor, StartsChildrenInOrderAndStopsThemInReverse) {
  auto sup
    = spawn_sup(config(troupe::supervision::restart_strategy::one_for_one,
                       {child("a"), child("b"), child("c")}));
  EXPECT_EQ(take_events(), (strings{"start a", "start b", "start c"}));
  auto reason = std::make_shared<caf::error>();
  on_exit_of(sup, reason);
  caf::anon_send(sup, atom::stop::value);
  run();
  EXPECT_EQ(take_events(), (strings{"stop c", "stop b", "stop a"}));
  EXPECT_EQ(*reason, caf::exit_reason::user_shutdown);
}

TEST_F(Supervisor, OneForOneRestartsOnlyTheFailedChild) {
  auto sup
    = spawn_sup(config(troupe::supervision::restart_strategy::one_for_one,
                       {child("a"), child("b"), child("c")}));
  auto a = child_of(sup, "a");
  auto b = child_of(sup, "b");
  auto c = child_of(sup, "c");
  take_events();
  tell(b, "crash");
  EXPECT_EQ(take_events(), (strings{"stop b", "start b"}));
  EXPECT_EQ(child_of(sup, "a"), a);
  EXPECT_EQ(child_of(sup, "c"), c);
  auto b2 = child_of(sup, "b");
  ASSERT_TRUE(b2);
  EXPECT_NE(b2, b);
  auto r = report(sup);
  ASSERT_EQ(r.children.size(), 3u);
  EXPECT_EQ(r.children[1].name, "b");
  EXPECT_EQ(r.children[1].restarts, 1u);
  EXPECT_EQ(r.children[1].state, "running");
  EXPECT_EQ(r.children[0].restarts, 0u);
  EXPECT_EQ(r.recent_restarts, 1u);
  stop_at_end(sup);
}

TEST_F(Supervisor, OneForAllRestartsEveryChildInOrder) {
  auto sup
    = spawn_sup(config(troupe::supervision::restart_strategy::one_for_all,
                       {child("a"), child("b"), child("c")}));
  auto a = child_of(sup, "a");
  take_events();
  tell(child_of(sup, "b"), "crash");
  // The others stop in reverse start order, then all start in order.
  EXPECT_EQ(take_events(), (strings{"stop b", "stop c", "stop a", "start a",
                                    "start b", "start c"}));
  EXPECT_NE(child_of(sup, "a"), a);
  auto r = report(sup);
  for (auto& c : r.children) {
    EXPECT_EQ(c.state, "running") << c.name;
    EXPECT_EQ(c.restarts, 1u) << c.name;
  }
  stop_at_end(sup);
}

TEST_F(Supervisor, RestForOneRestartsTheFailedChildAndYoungerSiblings) {
  auto sup
    = spawn_sup(config(troupe::supervision::restart_strategy::rest_for_one,
                       {child("a"), child("b"), child("c")}));
  auto a = child_of(sup, "a");
  take_events();
  tell(child_of(sup, "b"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop b", "stop c", "start b", "start c"}));
  EXPECT_EQ(child_of(sup, "a"), a);
  stop_at_end(sup);
}

TEST_F(Supervisor, TransientChildIsRestartedOnlyAfterACrash) {
  auto sup = spawn_sup(
    config(troupe::supervision::restart_strategy::one_for_one,
           {child("t", troupe::supervision::restart_type::transient)}));
  take_events();
  tell(child_of(sup, "t"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop t", "start t"}));
  tell(child_of(sup, "t"), "exit");
  EXPECT_EQ(take_events(), (strings{"stop t"}));
  EXPECT_FALSE(child_of(sup, "t"));
  auto r = report(sup);
  ASSERT_EQ(r.children.size(), 1u);
  EXPECT_EQ(r.children[0].state, "stopped");
  stop_at_end(sup);
}

TEST_F(Supervisor, TemporaryChildIsNeverRestarted) {
  auto sup = spawn_sup(config(
    troupe::supervision::restart_strategy::one_for_one,
    {child("p"), child("tmp", troupe::supervision::restart_type::temporary)}));
  take_events();
  tell(child_of(sup, "tmp"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop tmp"}));
  EXPECT_FALSE(child_of(sup, "tmp"));
  // Forgotten: the report lists only the permanent child.
  auto r = report(sup);
  ASSERT_EQ(r.children.size(), 1u);
  EXPECT_EQ(r.children[0].name, "p");
  EXPECT_EQ(r.recent_restarts, 0u);
  stop_at_end(sup);
}

TEST_F(Supervisor, TemporarySiblingStoppedByOneForAllStaysDown) {
  auto sup = spawn_sup(config(
    troupe::supervision::restart_strategy::one_for_all,
    {child("a"), child("tmp", troupe::supervision::restart_type::temporary)}));
  take_events();
  tell(child_of(sup, "a"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop a", "stop tmp", "start a"}));
  EXPECT_FALSE(child_of(sup, "tmp"));
  stop_at_end(sup);
}

TEST_F(Supervisor, TooManyRestartsStopEverythingAndEscalate) {
  auto cfg = config(troupe::supervision::restart_strategy::one_for_one,
                    {child("a"), child("b"), child("c")});
  cfg.intensity = {2, 10s};
  auto sup = spawn_sup(cfg);
  auto reason = std::make_shared<caf::error>();
  on_exit_of(sup, reason);
  tell(child_of(sup, "b"), "crash");
  tell(child_of(sup, "b"), "crash");
  take_events();
  // The third restart within 10 s is one too many.
  tell(child_of(sup, "b"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop b", "stop c", "stop a"}));
  ASSERT_TRUE(*reason);
  EXPECT_EQ(reason->category(), caf::atom("troupe"));
  EXPECT_EQ(reason->code(), static_cast<uint8_t>(troupe::error_code::gave_up));
  auto text = troupe::message_of(*reason);
  EXPECT_NE(text.find("supervisor sup gave up: more than 2 restarts within 10 "
                      "s (last: b ended"),
            std::string::npos)
    << text;
}

TEST_F(Supervisor, RestartsOutsideTheWindowDoNotCount) {
  auto cfg = config(troupe::supervision::restart_strategy::one_for_one,
                    {child("a")});
  cfg.intensity = {1, 10s};
  auto sup = spawn_sup(cfg);
  tell(child_of(sup, "a"), "crash");
  advance(11s);
  take_events();
  tell(child_of(sup, "a"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop a", "start a"}));
  EXPECT_TRUE(child_of(sup, "a"));
  stop_at_end(sup);
}

TEST_F(Supervisor, ParentRestartsAChildSupervisorThatGaveUp) {
  auto inner_cfg = config(troupe::supervision::restart_strategy::one_for_one,
                          {child("x")});
  inner_cfg.path = "outer/inner";
  inner_cfg.intensity = {0, 10s};
  troupe::supervision::child_spec inner;
  inner.name = "inner";
  inner.supervisor = true;
  inner.shutdown_timeout = 5s;
  inner.start = [inner_cfg](const troupe::supervision::child_context& ctx) {
    return caf::actor_cast<caf::actor>(
      ctx.sys.spawn(troupe::supervision::supervisor, inner_cfg));
  };
  auto cfg = config(troupe::supervision::restart_strategy::one_for_one,
                    {child("y"), inner});
  cfg.path = "outer";
  auto outer = spawn_sup(cfg);
  auto inner_sup = caf::actor_cast<supervisor_actor>(child_of(outer, "inner"));
  ASSERT_TRUE(inner_sup);
  take_events();
  tell(child_of(inner_sup, "x"), "crash");
  // The inner supervisor may not restart anything: it gives up, and its
  // parent starts a fresh inner supervisor (with a fresh x).
  EXPECT_EQ(take_events(), (strings{"stop x", "start x"}));
  auto r = report(outer);
  ASSERT_EQ(r.children.size(), 2u);
  EXPECT_EQ(r.children[1].name, "inner");
  EXPECT_EQ(r.children[1].restarts, 1u);
  EXPECT_TRUE(r.children[1].supervisor);
  EXPECT_NE(caf::actor_cast<supervisor_actor>(child_of(outer, "inner")),
            inner_sup);
  // Stopping the outer supervisor takes the whole subtree down in order.
  caf::anon_send(outer, atom::stop::value);
  run();
  EXPECT_EQ(take_events(), (strings{"stop x", "stop y"}));
}

TEST_F(Supervisor, ShutdownTimeoutKillsAChildThatDoesNotStop) {
  auto sup = spawn_sup(config(
    troupe::supervision::restart_strategy::one_for_one,
    {child("a"),
     child("stubborn", troupe::supervision::restart_type::permanent, true),
     child("c")}));
  take_events();
  caf::anon_send(sup, atom::stop::value);
  run();
  // c stopped; the stubborn child ignores the shutdown, so a waits.
  EXPECT_EQ(take_events(), (strings{"stop c"}));
  auto r = report(sup);
  ASSERT_EQ(r.children.size(), 3u);
  EXPECT_EQ(r.children[1].state, "stopping");
  EXPECT_EQ(r.children[0].state, "running");
  advance(1s);
  EXPECT_EQ(take_events(), (strings{"stop stubborn", "stop a"}));
}

TEST_F(Supervisor, BackoffDelaysRepeatedRestarts) {
  auto cfg = config(troupe::supervision::restart_strategy::one_for_one,
                    {child("a")});
  cfg.backoff.initial = 100ms;
  cfg.backoff.max = 1s;
  cfg.backoff.jitter = 0.0;
  cfg.backoff.reset_after = 1h;
  auto sup = spawn_sup(cfg);
  take_events();
  tell(child_of(sup, "a"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop a"}));
  EXPECT_EQ(report(sup).children[0].state, "restarting");
  advance(99ms);
  EXPECT_TRUE(take_events().empty());
  advance(1ms);
  EXPECT_EQ(take_events(), (strings{"start a"}));
  // The second failure in a row waits twice as long.
  tell(child_of(sup, "a"), "crash");
  advance(199ms);
  EXPECT_EQ(take_events(), (strings{"stop a"}));
  advance(1ms);
  EXPECT_EQ(take_events(), (strings{"start a"}));
  stop_at_end(sup);
}

TEST_F(Supervisor, FailuresDuringAnOperationAreHandledInTurn) {
  auto cfg = config(troupe::supervision::restart_strategy::one_for_one,
                    {child("a"), child("b")});
  cfg.backoff.initial = 100ms;
  cfg.backoff.jitter = 0.0;
  auto sup = spawn_sup(cfg);
  take_events();
  tell(child_of(sup, "a"), "crash");
  // While a waits for its backoff, b fails too.
  tell(child_of(sup, "b"), "crash");
  EXPECT_EQ(take_events(), (strings{"stop a", "stop b"}));
  advance(100ms);
  EXPECT_EQ(take_events(), (strings{"start a"}));
  advance(100ms);
  EXPECT_EQ(take_events(), (strings{"start b"}));
  stop_at_end(sup);
}

TEST_F(Supervisor, WatchersLearnEveryIncarnation) {
  auto seen = std::make_shared<std::vector<child_event>>();
  auto watcher = sys().spawn([seen](caf::event_based_actor*) {
    return caf::behavior{
      [seen](child_event& ev) {
        seen->push_back(std::move(ev));
      },
    };
  });
  auto sup
    = spawn_sup(config(troupe::supervision::restart_strategy::one_for_one,
                       {child("a"), child("b")}));
  caf::anon_send(sup, atom::watch::value, watcher);
  run();
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].path, "sup/a");
  EXPECT_EQ((*seen)[0].handle, child_of(sup, "a"));
  EXPECT_EQ((*seen)[1].path, "sup/b");
  seen->clear();
  tell(child_of(sup, "b"), "crash");
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].path, "sup/b");
  EXPECT_FALSE((*seen)[0].handle);
  EXPECT_EQ((*seen)[1].handle, child_of(sup, "b"));
  EXPECT_TRUE((*seen)[1].handle);
  stop_at_end(sup);
  stop_at_end(watcher);
}

TEST_F(Supervisor, CrashHookIsOffUnlessEnabled) {
  auto sup = spawn_sup(
    config(troupe::supervision::restart_strategy::one_for_one, {child("a")}));
  auto res = start_request<std::string>(sup, atom::crash::value,
                                        std::string{"a"});
  run();
  ASSERT_TRUE(res->done);
  ASSERT_TRUE(res->error);
  EXPECT_NE(troupe::message_of(res->error).find("disabled"), std::string::npos);
  stop_at_end(sup);
}

TEST_F(Supervisor, CrashHookCrashesTheActorAtAPath) {
  auto inner_cfg = config(troupe::supervision::restart_strategy::one_for_one,
                          {child("x")});
  inner_cfg.path = "sup/inner";
  inner_cfg.crash_hook = true;
  troupe::supervision::child_spec inner;
  inner.name = "inner";
  inner.supervisor = true;
  inner.start = [inner_cfg](const troupe::supervision::child_context& ctx) {
    return caf::actor_cast<caf::actor>(
      ctx.sys.spawn(troupe::supervision::supervisor, inner_cfg));
  };
  auto cfg = config(troupe::supervision::restart_strategy::one_for_one,
                    {child("a"), inner});
  cfg.crash_hook = true;
  auto sup = spawn_sup(cfg);
  take_events();
  auto res = ask<std::string>(sup, atom::crash::value, std::string{"inner/x"});
  ASSERT_TRUE(res);
  EXPECT_EQ(*res, "crashed sup/inner/x");
  EXPECT_EQ(take_events(), (strings{"stop x", "start x"}));
  auto missing = start_request<std::string>(sup, atom::crash::value,
                                            std::string{"nope"});
  run();
  ASSERT_TRUE(missing->error);
  EXPECT_NE(troupe::message_of(missing->error).find("children: a, inner"),
            std::string::npos)
    << troupe::message_of(missing->error);
  stop_at_end(sup);
}

TEST_F(Supervisor, OneWatchOnTheRootFollowsTheWholeTree) {
  auto inner_cfg = config(troupe::supervision::restart_strategy::one_for_one,
                          {child("x")});
  inner_cfg.path = "outer/inner";
  troupe::supervision::child_spec inner;
  inner.name = "inner";
  inner.supervisor = true;
  inner.start = [inner_cfg](const troupe::supervision::child_context& ctx) {
    return caf::actor_cast<caf::actor>(
      ctx.sys.spawn(troupe::supervision::supervisor, inner_cfg));
  };
  auto cfg = config(troupe::supervision::restart_strategy::one_for_one,
                    {child("y"), inner});
  cfg.path = "outer";
  auto hooked = std::make_shared<std::vector<std::string>>();
  cfg.on_event = [hooked](const child_event& ev) {
    hooked->push_back(ev.path + (ev.handle ? " up" : " down"));
  };
  auto outer = spawn_sup(cfg);
  // A watcher that subscribes late gets the whole tree at once.
  auto seen = std::make_shared<std::vector<child_event>>();
  auto watcher = sys().spawn([seen](caf::event_based_actor*) {
    return caf::behavior{
      [seen](child_event& ev) {
        seen->push_back(std::move(ev));
      },
    };
  });
  caf::anon_send(outer, atom::watch::value, watcher);
  run();
  std::vector<std::string> paths;
  for (auto& ev : *seen)
    paths.push_back(ev.path);
  EXPECT_EQ(paths, (strings{"outer/y", "outer/inner", "outer/inner/x"}));
  // A grandchild's restart reaches the root's watchers and hook.
  seen->clear();
  hooked->clear();
  auto inner_sup = caf::actor_cast<supervisor_actor>(child_of(outer, "inner"));
  tell(child_of(inner_sup, "x"), "crash");
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].path, "outer/inner/x");
  EXPECT_FALSE((*seen)[0].handle);
  EXPECT_EQ((*seen)[1].handle, child_of(inner_sup, "x"));
  EXPECT_EQ(*hooked, (strings{"outer/inner/x down", "outer/inner/x up"}));
  // When the inner supervisor ends, everything below it is gone too.
  seen->clear();
  caf::anon_send_exit(inner_sup, caf::exit_reason::kill);
  run();
  std::vector<std::string> downs;
  for (auto& ev : *seen)
    if (!ev.handle)
      downs.push_back(ev.path);
  EXPECT_EQ(downs, (strings{"outer/inner", "outer/inner/x"}));
  stop_at_end(outer);
  stop_at_end(watcher);
}

TEST_F(Supervisor, ShutdownHooksRunOnceWithTheReason) {
  auto reasons = std::make_shared<std::vector<caf::error>>();
  auto a = child("a");
  a.on_shutdown = [reasons](const caf::error& reason) {
    reasons->push_back(reason);
  };
  auto sup = spawn_sup(config(
    troupe::supervision::restart_strategy::one_for_one, {a, child("b")}));
  // Restarts do not run it: the child comes back.
  tell(child_of(sup, "a"), "crash");
  EXPECT_TRUE(reasons->empty());
  caf::anon_send(sup, atom::stop::value);
  run();
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_EQ((*reasons)[0], caf::exit_reason::user_shutdown);
}

TEST_F(Supervisor, KilledSupervisorTakesItsChildrenAlong) {
  auto sup
    = spawn_sup(config(troupe::supervision::restart_strategy::one_for_one,
                       {child("a"), child("b")}));
  take_events();
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  run();
  auto events = take_events();
  std::sort(events.begin(), events.end());
  EXPECT_EQ(events, (strings{"stop a", "stop b"}));
}

} // namespace
