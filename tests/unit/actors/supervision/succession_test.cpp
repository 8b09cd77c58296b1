// Supervised actors and their succession, message by message: what reaches
// an ended incarnation goes on to the next one (or waits for it), nothing
// falls between a closed mailbox and the successor, and a closed succession
// answers what it holds; a registered name reaches whichever incarnation is
// current.
#include "actors/base/last_will.hpp"
#include "actors/base/mailbox_salvage.hpp"
#include "actors/supervision/registered_name.hpp"
#include "actors/supervision/succession.hpp"
#include "actors/supervision/supervised_actor.hpp"
#include "messages/errors.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using troupe::job;
using troupe::job_status;
using troupe::result_sink_actor;
using troupe::supervision::succession;
using troupe::test::make_job;

/// A job runner that records what it runs; "die" makes it fail.
using runner_actor = caf::typed_actor<caf::reacts_to<job, result_sink_actor>,
                                      caf::reacts_to<std::string>,
                                      caf::replies_to<int32_t>::with<int32_t>>;

struct runner_state {
  static constexpr const char* name = "test_runner";
};

using log_ptr = std::shared_ptr<std::vector<std::string>>;

template <class State>
runner_actor::behavior_type runner(runner_actor::stateful_pointer<State> self,
                                   std::string name, log_ptr log) {
  return {
    [=](job& j, result_sink_actor&) {
      log->push_back(name + " ran " + std::to_string(j.id));
    },
    [=](const std::string& cmd) {
      if (cmd == "die")
        self->quit(caf::make_error(caf::sec::runtime_error, "died"));
    },
    [=](int32_t x) {
      return x;
    },
  };
}

/// A runner with a last will that reads its closed mailbox, as the
/// gateway's does, and takes nothing from it.
struct willing_runner_state {
  static constexpr const char* name = "test_willing_runner";
  troupe::base::last_will will;
};

runner_actor::behavior_type
willing_runner(runner_actor::stateful_pointer<willing_runner_state> self,
               std::string name, log_ptr log) {
  self->state.will = [self, log] {
    troupe::base::salvage_mailbox(self, [log](caf::mailbox_element& x) {
      if (x.content().match_elements<job, result_sink_actor>())
        log->push_back("the will left a job");
      return false;
    });
  };
  return runner(self, std::move(name), std::move(log));
}

// Jobs and requests go on; strings (commands to one incarnation) do not.
bool jobs_and_requests(const caf::mailbox_element& x) {
  return !x.content().match_elements<std::string>();
}

class Succession : public troupe::test::actor_test {
 public:
  using impl
    = troupe::supervision::supervised_actor<runner_actor, runner_state>;

  Succession() : rec(sys()) {
    // nop
  }

  runner_actor spawn_runner(std::string name) {
    impl::init_fn init = [name, log = log](impl::pointer self) {
      return runner(self, name, log);
    };
    auto hdl = sys().spawn<impl>(std::move(init), heirs, jobs_and_requests);
    run();
    return hdl;
  }

  void send_job(const runner_actor& dst, uint64_t id) {
    caf::anon_send(dst, make_job(id, "echo"), rec.handle());
  }

  void kill(const runner_actor& dst) {
    caf::anon_send(dst, std::string{"die"});
    run();
  }

  log_ptr log = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<troupe::supervision::succession> heirs
    = std::make_shared<troupe::supervision::succession>("the test runner", 3);
  troupe::test::result_recorder rec;
};

using strings = std::vector<std::string>;

TEST_F(Succession, MessagesToAnEndedIncarnationWaitForTheNext) {
  auto first = spawn_runner("first");
  send_job(first, 1);
  run();
  kill(first);
  // Sent to the old handle while nothing replaced it yet: they wait.
  send_job(first, 2);
  send_job(first, 3);
  run();
  EXPECT_EQ(heirs->buffered(), 2u);
  auto second = spawn_runner("second");
  // The new incarnation took them over, and later ones go straight to it.
  send_job(first, 4);
  run();
  EXPECT_EQ(*log, (strings{"first ran 1", "second ran 2", "second ran 3",
                           "second ran 4"}));
  EXPECT_EQ(heirs->buffered(), 0u);
  EXPECT_TRUE(rec.results().empty());
  stop_at_end(second);
}

TEST_F(Succession, WhatAnIncarnationHadNotReadGoesOnToo) {
  auto first = spawn_runner("first");
  // It dies on the first message; the job behind it was never read.
  caf::anon_send(first, std::string{"die"});
  send_job(first, 7);
  run();
  EXPECT_EQ(heirs->buffered(), 1u);
  auto second = spawn_runner("second");
  EXPECT_EQ(*log, (strings{"second ran 7"}));
  stop_at_end(second);
}

TEST_F(Succession, WhatALastWillLeavesInTheMailboxGoesOnToo) {
  using willing
    = troupe::supervision::supervised_actor<runner_actor, willing_runner_state>;
  willing::init_fn init = [log = log](willing::pointer self) {
    return willing_runner(self, "first", log);
  };
  auto first = sys().spawn<willing>(std::move(init), heirs, jobs_and_requests);
  run();
  // It dies on the first message; its last will reads the rest of its
  // mailbox and leaves the job to its successor.
  caf::anon_send(first, std::string{"die"});
  send_job(first, 7);
  run();
  EXPECT_EQ(*log, (strings{"the will left a job"}));
  EXPECT_EQ(heirs->buffered(), 1u);
  auto second = spawn_runner("second");
  EXPECT_EQ(*log, (strings{"the will left a job", "second ran 7"}));
  EXPECT_TRUE(rec.results().empty());
  stop_at_end(second);
}

TEST_F(Succession, RequestsReachTheSuccessorAndCommandsDoNot) {
  auto first = spawn_runner("first");
  kill(first);
  auto second = spawn_runner("second");
  // A request through the old handle: the new incarnation answers it.
  auto answer = ask<int32_t>(first, int32_t{42});
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, 42);
  // A command meant for the old incarnation is dropped, not forwarded.
  caf::anon_send(first, std::string{"die"});
  run();
  send_job(second, 1);
  run();
  EXPECT_EQ(*log, (strings{"second ran 1"}));
  stop_at_end(second);
}

TEST_F(Succession, BeyondItsCapacityJobsAreAnsweredOverloaded) {
  auto first = spawn_runner("first");
  kill(first);
  for (uint64_t id = 1; id <= 4; ++id)
    send_job(first, id);
  run();
  EXPECT_EQ(heirs->buffered(), 3u);
  auto r = rec.find(4);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, job_status::overloaded);
  EXPECT_NE(r->error.find("the test runner is restarting"), std::string::npos)
    << r->error;
}

TEST_F(Succession, ClosedItAnswersWhatItHoldsAndEverythingLater) {
  auto first = spawn_runner("first");
  kill(first);
  send_job(first, 1);
  run();
  heirs->close("the node stopped");
  run();
  auto r = rec.find(1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, job_status::cancelled);
  EXPECT_EQ(r->error, "the node stopped");
  send_job(first, 2);
  run();
  ASSERT_TRUE(rec.find(2));
  EXPECT_EQ(rec.find(2)->status, job_status::cancelled);
  // A request gets an error instead of hanging.
  auto answer = start_request<int32_t>(first, int32_t{1});
  run();
  ASSERT_TRUE(answer->done);
  EXPECT_TRUE(answer->error);
  EXPECT_EQ(rec.results().size(), 2u);
}

// -- registered names ---------------------------------------------------------

TEST_F(Succession, ANameTakesMessagesBeforeTheFirstIncarnationRuns) {
  auto name = troupe::supervision::make_registered_name<runner_actor>(sys(),
                                                                      heirs);
  send_job(name, 1);
  run();
  EXPECT_EQ(heirs->buffered(), 1u);
  auto first = spawn_runner("first");
  send_job(name, 2);
  run();
  EXPECT_EQ(*log, (strings{"first ran 1", "first ran 2"}));
  EXPECT_TRUE(rec.results().empty());
  stop_at_end(first);
}

TEST_F(Succession, ANameReachesTheCurrentIncarnationWithEveryMessage) {
  auto name = troupe::supervision::make_registered_name<runner_actor>(sys(),
                                                                      heirs);
  auto first = spawn_runner("first");
  // A command through the name goes to whoever is current: it is not a
  // message for an ended incarnation.
  caf::anon_send(name, std::string{"die"});
  run();
  send_job(name, 1);
  run();
  auto second = spawn_runner("second");
  send_job(name, 2);
  auto answer = ask<int32_t>(name, int32_t{7});
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, 7);
  EXPECT_EQ(*log, (strings{"second ran 1", "second ran 2"}));
  stop_at_end(second);
}

TEST_F(Succession, ANameOfAClosedSuccessionAnswersAtOnce) {
  auto name = troupe::supervision::make_registered_name<runner_actor>(sys(),
                                                                      heirs);
  heirs->close("the node stopped");
  send_job(name, 1);
  run();
  ASSERT_TRUE(rec.find(1));
  EXPECT_EQ(rec.find(1)->status, job_status::cancelled);
  auto answer = start_request<int32_t>(name, int32_t{1});
  run();
  ASSERT_TRUE(answer->done);
  EXPECT_TRUE(answer->error);
}

} // namespace
