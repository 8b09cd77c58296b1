// A pool that crashes leaves its jobs to its successor: queued ones and
// started ones that may run again are taken over, the rest are answered at
// once; with no successor, the estate answers them. Every job ends with
// exactly one result.
#include "actors/pool/job_estate.hpp"
#include "actors/pool/worker_pool.hpp"
#include "actors/supervision/succession.hpp"
#include "actors/supervision/supervised_actor.hpp"
#include "messages/errors.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace {

using namespace std::chrono_literals;
using troupe::job_status;
using troupe::worker_pool_actor;
using troupe::test::make_job;
using troupe::test::resumable_of;

class JobEstate : public troupe::test::actor_test {
 public:
  using impl
    = troupe::supervision::supervised_actor<worker_pool_actor,
                                            troupe::pool::worker_pool_state>;

  JobEstate() : rec(sys()) {
    // nop
  }

  /// An incarnation of the pool of `skill`, sharing the estate and the
  /// succession with every other one.
  worker_pool_actor spawn_pool(bool idempotent) {
    auto skill = troupe::test::make_skill(
      "calc",
      [](const std::string& in) {
        return troupe::skills::skill_output::success(in);
      },
      idempotent, 3);
    troupe::pool::worker_pool_config cfg;
    cfg.node_name = "test-node";
    cfg.min_workers = 1;
    cfg.max_workers = 1;
    cfg.default_timeout = 60s;
    cfg.estate = estate;
    impl::init_fn init = [skill, cfg](impl::pointer self) {
      return troupe::pool::worker_pool(self, skill, cfg);
    };
    auto filter = [](const caf::mailbox_element& x) {
      return x.content()
        .match_elements<troupe::job, troupe::result_sink_actor>();
    };
    return sys().spawn<impl>(std::move(init), heirs, filter);
  }

  void submit(const worker_pool_actor& pool, uint64_t id) {
    caf::anon_send(pool, make_job(id, "calc", std::to_string(id)),
                   rec.handle());
  }

  /// Crashes `pool` after it queued its jobs and handed the first one to its
  /// worker, which never got to run it.
  void crash_busy(const worker_pool_actor& pool) {
    run_only({resumable_of(pool)});
    caf::anon_send_exit(pool, caf::exit_reason::kill);
    run_only({resumable_of(pool)});
  }

  troupe::pool::job_estate_ptr estate
    = std::make_shared<troupe::pool::job_estate>("calc", "test-node");
  troupe::supervision::succession_ptr heirs
    = std::make_shared<troupe::supervision::succession>(
      "the pool of skill calc", 100);
  troupe::test::result_recorder rec;
};

TEST_F(JobEstate, SuccessorRunsEveryJobOfACrashedPool) {
  auto first = spawn_pool(true);
  for (uint64_t id = 1; id <= 5; ++id)
    submit(first, id);
  crash_busy(first);
  // Sent after the crash, to the old handle.
  submit(first, 6);
  run();
  EXPECT_TRUE(rec.results().empty());
  EXPECT_EQ(estate->size(), 5u);
  auto second = spawn_pool(true);
  stop_at_end(second);
  run();
  for (uint64_t id = 1; id <= 6; ++id) {
    ASSERT_EQ(rec.count(id), 1u) << "job " << id;
    EXPECT_EQ(rec.find(id)->status, job_status::ok) << id;
    EXPECT_EQ(rec.find(id)->output, std::to_string(id));
  }
  // The started job counts its first attempt.
  EXPECT_EQ(rec.find(1)->attempts, 2u);
  EXPECT_EQ(rec.find(2)->attempts, 1u);
}

TEST_F(JobEstate, StartedJobOfANonIdempotentSkillIsAnsweredAtOnce) {
  auto first = spawn_pool(false);
  for (uint64_t id = 1; id <= 3; ++id)
    submit(first, id);
  crash_busy(first);
  run();
  // Job 1 may have run: it is not run again, and says why.
  ASSERT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.find(1)->status, job_status::skill_error);
  EXPECT_NE(rec.find(1)->error.find("not idempotent"), std::string::npos)
    << rec.find(1)->error;
  auto second = spawn_pool(false);
  stop_at_end(second);
  run();
  EXPECT_EQ(rec.find(2)->status, job_status::ok);
  EXPECT_EQ(rec.find(3)->status, job_status::ok);
  EXPECT_EQ(rec.results().size(), 3u);
}

TEST_F(JobEstate, ClosedEstateAnswersWhatNoSuccessorTookOver) {
  auto first = spawn_pool(true);
  for (uint64_t id = 1; id <= 3; ++id)
    submit(first, id);
  crash_busy(first);
  run();
  estate->close(caf::exit_reason::user_shutdown);
  run();
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(rec.count(id), 1u);
    EXPECT_EQ(rec.find(id)->status, job_status::cancelled);
    EXPECT_NE(rec.find(id)->error.find("the node stopped"), std::string::npos);
  }
}

TEST_F(JobEstate, AfterAFailureWithoutRestartJobsEndInternal) {
  auto first = spawn_pool(true);
  submit(first, 1);
  submit(first, 2);
  crash_busy(first);
  run();
  estate->close(caf::make_error(troupe::error_code::gave_up, "too many"));
  run();
  EXPECT_EQ(rec.find(1)->status, job_status::internal);
  EXPECT_NE(rec.find(2)->error.find("was not restarted"), std::string::npos)
    << rec.find(2)->error;
}

} // namespace
