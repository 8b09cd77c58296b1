#include "actors/base/helping_scheduler.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using troupe::base::help_scope;
using troupe::base::helping_coordinator;

/// Where and in which order actors ran.
struct trace {
  std::mutex mtx;
  std::vector<std::string> events;
  std::map<std::string, std::thread::id> threads;

  void record(const std::string& what) {
    std::lock_guard<std::mutex> guard{mtx};
    events.push_back(what);
    threads[what] = std::this_thread::get_id();
  }

  bool has(const std::string& what) {
    std::lock_guard<std::mutex> guard{mtx};
    return threads.count(what) > 0;
  }

  std::thread::id thread_of(const std::string& what) {
    std::lock_guard<std::mutex> guard{mtx};
    return threads.at(what);
  }
};

/// A node's actor system: one scheduler thread, helping work sharing.
struct helping_system {
  troupe::node::system_config cfg;
  std::unique_ptr<caf::actor_system> sys;

  helping_system() {
    cfg.scheduler("sharing", 1);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

/// Records `name` for every message, then passes it on to `next`.
caf::behavior link(caf::event_based_actor* self, std::shared_ptr<trace> t,
                   std::string name, caf::actor next) {
  return {
    [=](int hops) {
      t->record(name);
      if (next)
        self->send(next, hops + 1);
    },
  };
}

/// Occupies the only scheduler thread until released, so that whatever
/// runs meanwhile runs elsewhere.
struct blocked_worker {
  std::promise<void> started;
  std::promise<void> release;
  caf::actor blocker;

  explicit blocked_worker(caf::actor_system& sys) {
    auto release_future = release.get_future().share();
    blocker = sys.spawn([this, release_future](caf::event_based_actor*) {
      return caf::behavior{
        [this, release_future](int) {
          started.set_value();
          release_future.wait();
        },
      };
    });
    caf::anon_send(blocker, 0);
    started.get_future().wait();
  }

  ~blocked_worker() {
    unblock();
  }

  void unblock() {
    if (!released) {
      released = true;
      release.set_value();
    }
  }

  bool released = false;
};

/// Waits, bounded, until `what` ran.
bool wait_for(trace& t, const std::string& what) {
  for (int i = 0; i < 2000 && !t.has(what); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return t.has(what);
}

TEST(HelpingScheduler, IsWhatANodeWithWorkSharingRuns) {
  troupe::node::system_config sharing;
  sharing.scheduler("sharing", 1);
  caf::actor_system a{sharing};
  EXPECT_NE(dynamic_cast<helping_coordinator*>(&a.scheduler()), nullptr);
  troupe::node::system_config stealing;
  stealing.scheduler("stealing", 1);
  caf::actor_system b{stealing};
  EXPECT_EQ(dynamic_cast<helping_coordinator*>(&b.scheduler()), nullptr);
  // Clients and tests keep CAF's own scheduler.
  troupe::node::system_config plain;
  caf::actor_system c{plain};
  EXPECT_EQ(dynamic_cast<helping_coordinator*>(&c.scheduler()), nullptr);
  // The last choice counts.
  troupe::node::system_config changed;
  changed.scheduler("sharing", 1);
  changed.scheduler("stealing", 1);
  caf::actor_system d{changed};
  EXPECT_EQ(dynamic_cast<helping_coordinator*>(&d.scheduler()), nullptr);
}

TEST(HelpScope, RunsWhatItsSendsMadeReadyOnTheCallingThread) {
  helping_system hs;
  auto t = std::make_shared<trace>();
  auto last = hs.sys->spawn(link, t, "b", caf::actor{});
  auto first = hs.sys->spawn(link, t, "a", last);
  blocked_worker worker{*hs.sys};
  {
    help_scope help{*hs.sys};
    caf::anon_send(first, 0);
  }
  ASSERT_TRUE(t->has("a"));
  ASSERT_TRUE(t->has("b"));
  EXPECT_EQ(t->thread_of("a"), std::this_thread::get_id());
  EXPECT_EQ(t->thread_of("b"), std::this_thread::get_id());
  worker.unblock();
}

TEST(HelpScope, LeavesWhatExceedsItsBudgetToTheScheduler) {
  helping_system hs;
  auto t = std::make_shared<trace>();
  auto c = hs.sys->spawn(link, t, "c", caf::actor{});
  auto b = hs.sys->spawn(link, t, "b", c);
  auto a = hs.sys->spawn(link, t, "a", b);
  blocked_worker worker{*hs.sys};
  {
    help_scope help{*hs.sys, 1};
    caf::anon_send(a, 0);
  }
  ASSERT_TRUE(t->has("a"));
  EXPECT_EQ(t->thread_of("a"), std::this_thread::get_id());
  EXPECT_FALSE(t->has("b"));
  worker.unblock();
  ASSERT_TRUE(wait_for(*t, "c"));
  EXPECT_NE(t->thread_of("c"), std::this_thread::get_id());
}

TEST(HelpScope, AnInnerScopeLeavesTheWorkToTheOuterOne) {
  helping_system hs;
  auto t = std::make_shared<trace>();
  auto a = hs.sys->spawn(link, t, "a", caf::actor{});
  blocked_worker worker{*hs.sys};
  {
    help_scope outer{*hs.sys};
    {
      help_scope inner{*hs.sys};
      caf::anon_send(a, 0);
    }
    EXPECT_FALSE(t->has("a"));
  }
  EXPECT_TRUE(t->has("a"));
  worker.unblock();
}

TEST(HelpScope, NeverResumesAnActorInsideAnother) {
  helping_system hs;
  auto t = std::make_shared<trace>();
  auto b = hs.sys->spawn(link, t, "b", caf::actor{});
  auto a = hs.sys->spawn([t, b, &hs](caf::event_based_actor*) {
    return caf::behavior{
      [t, b, &hs](int) {
        {
          help_scope help{*hs.sys};
          caf::anon_send(b, 0);
        }
        t->record("a ends");
      },
    };
  });
  caf::anon_send(a, 0);
  ASSERT_TRUE(wait_for(*t, "b"));
  std::lock_guard<std::mutex> guard{t->mtx};
  ASSERT_EQ(t->events.size(), 2u);
  EXPECT_EQ(t->events[0], "a ends");
  EXPECT_EQ(t->events[1], "b");
}

TEST(HelpScope, DoesNothingOnAnotherScheduler) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{cfg};
  auto t = std::make_shared<trace>();
  auto a = sys.spawn(link, t, "a", caf::actor{});
  {
    help_scope help{sys};
    caf::anon_send(a, 0);
  }
  ASSERT_TRUE(wait_for(*t, "a"));
  EXPECT_NE(t->thread_of("a"), std::this_thread::get_id());
}

TEST(HelpScope, LosesNothingWhenThreadsHelpAtOnce) {
  constexpr int threads = 4;
  constexpr int per_thread = 2000;
  helping_system hs;
  auto count = std::make_shared<std::atomic<int>>(0);
  // A chain of two, so that helpers and the scheduler thread hand work to
  // each other.
  auto counter = hs.sys->spawn([count](caf::event_based_actor*) {
    return caf::behavior{
      [count](int) {
        ++*count;
      },
      [count](const std::string&) {
        return count->load();
      },
    };
  });
  auto relay = hs.sys->spawn([counter](caf::event_based_actor* self) {
    return caf::behavior{
      [self, counter](int x) {
        self->send(counter, x);
      },
    };
  });
  std::vector<std::thread> helpers;
  for (int i = 0; i < threads; ++i)
    helpers.emplace_back([&hs, relay, i] {
      for (int j = 0; j < per_thread; ++j) {
        help_scope help{*hs.sys, static_cast<size_t>(1 + (i + j) % 4)};
        caf::anon_send(relay, j);
      }
    });
  for (auto& h : helpers)
    h.join();
  caf::scoped_actor self{*hs.sys};
  int seen = 0;
  for (int i = 0; i < 200 && seen < threads * per_thread; ++i) {
    self->request(counter, std::chrono::seconds(5), std::string{"count"})
      .receive(
        [&](int n) {
          seen = n;
        },
        [&](caf::error&) {});
    if (seen < threads * per_thread)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seen, threads * per_thread);
}

} // namespace
