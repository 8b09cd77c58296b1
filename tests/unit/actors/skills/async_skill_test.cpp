// Asynchronous native skills: the skill starts its work and returns; its
// reply comes later, from the test here (in an application, from another
// actor or thread). Every job still gets exactly one result.
#include "actors/pool/worker_pool.hpp"
#include "actors/skills/skill.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::job_status;
using troupe::skill_info;
using troupe::worker_pool_actor;
using troupe::skills::skill_context;
using troupe::skills::skill_output;
using troupe::skills::skill_reply;
using troupe::test::make_job;
using troupe::test::result_recorder;

// A skill that keeps each job's reply (and context) for the test to answer.
struct held_call {
  std::string input;
  troupe::skills::skill_context ctx;
  troupe::skills::skill_reply reply;
};

class AsyncSkill : public troupe::test::actor_test {
 public:
  AsyncSkill() : rec(sys()), calls(std::make_shared<std::vector<held_call>>()) {
    // nop
  }

  std::shared_ptr<troupe::skills::skill_definition> holding_skill() {
    auto def = std::make_shared<troupe::skills::skill_definition>();
    def->name = "later";
    def->max_attempts = 1;
    auto held = calls;
    def->async_fn = [held](const std::string& in,
                           const troupe::skills::skill_context& ctx,
                           troupe::skills::skill_reply reply) {
      if (in == "throw")
        throw std::runtime_error("no backend");
      if (in == "drop")
        return; // the reply goes away unanswered
      if (in == "crash") {
        reply(troupe::skills::skill_output::crash("backend died"));
        return;
      }
      if (in == "throw-int")
        throw 42;
      if (in == "now") {
        reply(troupe::skills::skill_output::success("at once"));
        return;
      }
      held->push_back(held_call{in, ctx, std::move(reply)});
    };
    return def;
  }

  worker_pool_actor spawn_pool(uint32_t slots) {
    troupe::pool::worker_pool_config cfg;
    cfg.node_name = "test-node";
    cfg.min_workers = cfg.max_workers = slots;
    cfg.default_timeout = 60s;
    auto pool = sys().spawn(troupe::pool::worker_pool, holding_skill(), cfg);
    stop_at_end(pool);
    return pool;
  }

  void submit(const worker_pool_actor& pool, uint64_t id, std::string input,
              caf::timespan timeout = caf::timespan{0}) {
    auto j = make_job(id, "later", std::move(input));
    j.options.timeout = timeout;
    caf::anon_send(pool, std::move(j), rec.handle());
  }

  skill_info status(const worker_pool_actor& pool) {
    auto info = ask<skill_info>(pool, troupe::atom::status::value);
    return info ? *info : skill_info{};
  }

  result_recorder rec;
  std::shared_ptr<std::vector<held_call>> calls;
};

TEST_F(AsyncSkill, ReplyThatComesLaterAnswersTheJob) {
  auto pool = spawn_pool(4);
  submit(pool, 1, "question");
  run();
  ASSERT_EQ(calls->size(), 1u);
  EXPECT_EQ((*calls)[0].input, "question");
  EXPECT_TRUE(rec.results().empty()) << "answered before the reply";
  EXPECT_TRUE(
    (*calls)[0].reply(troupe::skills::skill_output::success("answer")));
  run();
  ASSERT_EQ(rec.count(1), 1u);
  auto r = *rec.find(1);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.output, "answer");
  EXPECT_EQ(r.skill, "later");
  EXPECT_EQ(r.node, "test-node");
  EXPECT_EQ(r.attempts, 1u);
  // Only the first answer counts.
  EXPECT_FALSE(
    (*calls)[0].reply(troupe::skills::skill_output::success("again")));
  run();
  EXPECT_EQ(rec.count(1), 1u);
  EXPECT_EQ(status(pool).kind, "async");
}

TEST_F(AsyncSkill, ReplyDuringTheCallAnswersTheJob) {
  auto pool = spawn_pool(1);
  submit(pool, 1, "now");
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->output, "at once");
}

TEST_F(AsyncSkill, SlotsBoundTheJobsAwaitingAReply) {
  auto pool = spawn_pool(2);
  for (uint64_t id = 1; id <= 5; ++id)
    submit(pool, id, "q" + std::to_string(id));
  run();
  ASSERT_EQ(calls->size(), 2u);
  auto info = status(pool);
  EXPECT_EQ(info.busy, 2u);
  EXPECT_EQ(info.queued, 3u);
  // Each answer frees a slot for the next job, in order.
  (*calls)[0].reply(troupe::skills::skill_output::success("a1"));
  run();
  ASSERT_EQ(calls->size(), 3u);
  EXPECT_EQ((*calls)[2].input, "q3");
  for (size_t i = 1; i < 5; ++i) {
    (*calls)[i].reply(troupe::skills::skill_output::success("a"));
    run();
  }
  EXPECT_EQ(calls->size(), 5u);
  EXPECT_EQ(rec.results().size(), 5u);
  for (uint64_t id = 1; id <= 5; ++id)
    EXPECT_EQ(rec.count(id), 1u) << id;
}

TEST_F(AsyncSkill, ReplyThatNeverComesTimesOutAndFreesTheSlot) {
  auto pool = spawn_pool(1);
  submit(pool, 1, "slow", 50ms);
  submit(pool, 2, "next");
  run();
  ASSERT_EQ(calls->size(), 1u);
  advance(100ms);
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::timeout);
  // The skill can tell that nobody waits any more.
  EXPECT_TRUE((*calls)[0].ctx.cancelled());
  // The slot took the next job at once.
  ASSERT_EQ(calls->size(), 2u);
  EXPECT_EQ((*calls)[1].input, "next");
  EXPECT_FALSE((*calls)[1].ctx.cancelled());
  // A late reply to the timed-out job changes nothing.
  (*calls)[0].reply(troupe::skills::skill_output::success("late"));
  run();
  EXPECT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::timeout);
  (*calls)[1].reply(troupe::skills::skill_output::success("ok"));
  run();
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
}

TEST_F(AsyncSkill, DroppedReplyFailsTheJobSayingSo) {
  auto pool = spawn_pool(1);
  submit(pool, 1, "drop");
  submit(pool, 2, "now");
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_NE(rec.find(1)->error.find("dropped its reply"), std::string::npos)
    << rec.find(1)->error;
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
}

TEST_F(AsyncSkill, ExceptionFailsTheJobAndThePoolCarriesOn) {
  auto pool = spawn_pool(1);
  submit(pool, 1, "throw");
  submit(pool, 2, "now");
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_NE(rec.find(1)->error.find("no backend"), std::string::npos)
    << rec.find(1)->error;
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
}

TEST_F(AsyncSkill, ACrashReplyIsTheDeathOfItsSlot) {
  auto pool = spawn_pool(1);
  submit(pool, 1, "crash");
  submit(pool, 2, "throw-int");
  submit(pool, 3, "now");
  run();
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_NE(rec.find(1)->error.find("backend died"), std::string::npos)
    << rec.find(1)->error;
  ASSERT_EQ(rec.count(2), 1u);
  EXPECT_EQ(rec.find(2)->status, job_status::skill_error);
  EXPECT_NE(rec.find(2)->error.find("not a std::exception"), std::string::npos)
    << rec.find(2)->error;
  ASSERT_EQ(rec.count(3), 1u);
  EXPECT_EQ(rec.find(3)->status, job_status::ok);
  auto info = status(pool);
  EXPECT_EQ(info.worker_restarts, 2u);
  EXPECT_EQ(info.workers, 1u);
}

TEST_F(AsyncSkill, ReplyAfterThePoolIsGoneIsHarmless) {
  auto pool = spawn_pool(1);
  submit(pool, 1, "question");
  run();
  ASSERT_EQ(calls->size(), 1u);
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  run();
  // The stopping pool answered its job; the reply has nowhere to go.
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::cancelled);
  (*calls)[0].reply(troupe::skills::skill_output::success("late"));
  run();
  EXPECT_EQ(rec.count(1), 1u);
}

TEST(AsyncSkillCatalog, ASkillNeedsExactlyOneFunction) {
  troupe::skills::skill_catalog catalog;
  troupe::skills::skill_definition none;
  none.name = "none";
  EXPECT_TRUE(catalog.add(none));
  troupe::skills::skill_definition both;
  both.name = "both";
  both.fn = [](const std::string& in) {
    return troupe::skills::skill_output::success(in);
  };
  both.async_fn = [](const std::string&, const troupe::skills::skill_context&,
                     troupe::skills::skill_reply) {};
  auto err = catalog.add(both);
  ASSERT_TRUE(err);
  EXPECT_NE(troupe::message_of(err).find("both"), std::string::npos);
  troupe::skills::skill_definition later;
  later.name = "later";
  later.async_fn = [](const std::string&, const troupe::skills::skill_context&,
                      troupe::skills::skill_reply) {};
  EXPECT_FALSE(catalog.add(later));
  EXPECT_EQ(troupe::skills::kind_name(*catalog.find("later")), "async");
}

} // namespace
