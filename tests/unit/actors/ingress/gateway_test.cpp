#include "actors/ingress/gateway.hpp"
#include "actors/ingress/router.hpp"
#include "actors/pool/worker_pool.hpp"
#include "actors/supervision/succession.hpp"
#include "actors/supervision/supervised_actor.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/wire/batch_codec.hpp"
#include "messages/wire/troupe.pb.h"
#include "node/spawn/successor_filters.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::client_sink_actor;
using troupe::gateway_actor;
using troupe::job;
using troupe::job_result;
using troupe::job_status;
using troupe::worker_pool_actor;
using troupe::test::make_job;
using troupe::test::resumable_of;
namespace wc = troupe::wire::batch_codec;

/// A client's result sink: decodes every ResultBatch it receives.
class client {
 public:
  explicit client(caf::actor_system& sys)
      : batches_(std::make_shared<std::vector<std::vector<job_result>>>()),
        refusals_(std::make_shared<std::vector<wc::batch_refusal>>()),
        errors_(std::make_shared<std::vector<std::string>>()) {
    auto batches = batches_;
    auto refusals = refusals_;
    auto errors = errors_;
    handle_ = sys.spawn(
      [batches, refusals, errors]() -> client_sink_actor::behavior_type {
        return {
          [batches, refusals, errors](troupe::atom::results,
                                      const std::string& bytes) {
            auto decoded = wc::decode_results(bytes);
            if (!decoded) {
              errors->push_back(troupe::describe(decoded.error()));
              return;
            }
            if (!decoded->results.empty())
              batches->push_back(std::move(decoded->results));
            refusals->insert(refusals->end(), decoded->refusals.begin(),
                             decoded->refusals.end());
          },
        };
      });
  }

  client_sink_actor handle() const {
    return handle_;
  }

  const std::vector<std::vector<job_result>>& batches() const {
    return *batches_;
  }

  /// Batches that did not decode.
  const std::vector<std::string>& errors() const {
    return *errors_;
  }

  /// Batches the gateway refused whole.
  const std::vector<wc::batch_refusal>& refusals() const {
    return *refusals_;
  }

  std::vector<job_result> results() const {
    std::vector<job_result> out;
    for (auto& b : *batches_)
      out.insert(out.end(), b.begin(), b.end());
    return out;
  }

  size_t count(uint64_t id) const {
    size_t n = 0;
    for (auto& r : results())
      if (r.id == id)
        ++n;
    return n;
  }

  std::optional<job_result> find(uint64_t id) const {
    for (auto& r : results())
      if (r.id == id)
        return r;
    return std::nullopt;
  }

 private:
  std::shared_ptr<std::vector<std::vector<job_result>>> batches_;
  std::shared_ptr<std::vector<wc::batch_refusal>> refusals_;
  std::shared_ptr<std::vector<std::string>> errors_;
  client_sink_actor handle_;
};

class Gateway : public troupe::test::actor_test {
 public:
  Gateway() : alice(sys()), bob(sys()) {
    troupe::pool::worker_pool_config pcfg;
    pcfg.node_name = "gw-node";
    pcfg.min_workers = pcfg.max_workers = 1;
    pcfg.queue_capacity = 100;
    pcfg.default_timeout = 60s;
    pool = sys().spawn(troupe::pool::worker_pool,
                       troupe::test::echo_skill("echo"), pcfg);
    stop_at_end(pool);
    troupe::ingress::router_config rcfg;
    rcfg.node_name = "gw-node";
    rcfg.address = "127.0.0.1:4710";
    rcfg.max_job_bytes = 1024;
    std::unordered_map<std::string, worker_pool_actor> pools{{"echo", pool}};
    router = sys().spawn(troupe::ingress::router, rcfg, std::move(pools));
    stop_at_end(router);
  }

  gateway_actor spawn_gateway(uint64_t max_message_bytes = 1 << 20) {
    troupe::ingress::gateway_config cfg;
    cfg.node_name = "gw-node";
    cfg.max_message_bytes = max_message_bytes;
    auto gw = sys().spawn(troupe::ingress::gateway, cfg, router);
    stop_at_end(gw);
    return gw;
  }

  void submit(const gateway_actor& gw, const std::string& bytes,
              const client& c) {
    caf::anon_send(gw, troupe::atom::submit::value, bytes, c.handle());
  }

  worker_pool_actor pool;
  troupe::router_actor router;
  client alice;
  client bob;
};

TEST_F(Gateway, GarbageSubmitIsRefusedWhole) {
  auto gw = spawn_gateway();
  submit(gw, "garbage", alice);
  run();
  EXPECT_TRUE(alice.errors().empty());
  EXPECT_TRUE(alice.results().empty());
  ASSERT_EQ(alice.refusals().size(), 1u);
  auto& x = alice.refusals()[0];
  EXPECT_EQ(x.batch_id, 0u); // nothing readable names the batch
  EXPECT_EQ(x.status, job_status::bad_input);
  EXPECT_NE(x.error.find("SubmitBatch"), std::string::npos) << x.error;
}

TEST_F(Gateway, WrongProtocolVersionIsARefusalNamingTheBatchAndVersion) {
  auto gw = spawn_gateway();
  troupe::wire::SubmitBatch batch;
  batch.set_protocol_version(wc::protocol_version + 41);
  batch.set_batch_id(17);
  batch.add_jobs()->set_skill("echo");
  submit(gw, batch.SerializeAsString(), alice);
  run();
  EXPECT_TRUE(alice.results().empty());
  ASSERT_EQ(alice.refusals().size(), 1u);
  auto& x = alice.refusals()[0];
  EXPECT_EQ(x.batch_id, 17u);
  EXPECT_EQ(x.status, job_status::bad_input);
  EXPECT_NE(x.error.find(std::to_string(wc::protocol_version + 41)),
            std::string::npos)
    << x.error;
}

// A batch over the size limit is refused under its own id, never as a job
// of the batch (the client numbers its jobs from 0, so "job 0" would be
// one of them, and its other jobs would wait forever).
TEST_F(Gateway, OversizedSubmitIsRefusedWholeUnderItsBatchId) {
  auto gw = spawn_gateway(64);
  std::vector<job> jobs{make_job(0, "echo", std::string(100, 'x')),
                        make_job(1, "echo", "small")};
  submit(gw, wc::encode_submit(jobs, 5), alice);
  run();
  EXPECT_TRUE(alice.results().empty());
  ASSERT_EQ(alice.refusals().size(), 1u);
  auto& x = alice.refusals()[0];
  EXPECT_EQ(x.batch_id, 5u);
  EXPECT_EQ(x.status, job_status::bad_input);
  EXPECT_NE(x.error.find("exceeds the limit of node gw-node"),
            std::string::npos)
    << x.error;
}

// One job with a skill name that is not UTF-8 fails alone; its neighbours
// in the batch run.
TEST_F(Gateway, AJobWithBadTextFailsAloneInItsBatch) {
  auto gw = spawn_gateway();
  std::vector<job> jobs;
  for (uint64_t id = 0; id < 5; ++id)
    jobs.push_back(make_job(id, "echo", "in" + std::to_string(id)));
  jobs[2].skill = "ec\xffho";
  submit(gw, wc::encode_submit(jobs, 1), alice);
  run();
  EXPECT_TRUE(alice.errors().empty());
  EXPECT_TRUE(alice.refusals().empty());
  ASSERT_EQ(alice.results().size(), 5u);
  for (uint64_t id = 0; id < 5; ++id) {
    SCOPED_TRACE("job " + std::to_string(id));
    ASSERT_EQ(alice.count(id), 1u);
    auto r = *alice.find(id);
    if (id == 2) {
      EXPECT_EQ(r.status, job_status::bad_input);
      EXPECT_NE(r.error.find("not valid UTF-8"), std::string::npos) << r.error;
    } else {
      EXPECT_EQ(r.status, job_status::ok);
      EXPECT_EQ(r.output, "in" + std::to_string(id));
    }
  }
}

TEST_F(Gateway, JobsComeBackWithTheClientsIds) {
  auto gw = spawn_gateway();
  std::vector<job> jobs{make_job(101, "echo", "one"),
                        make_job(7, "echo", "two"),
                        make_job(55, "echo", std::string("t\0ree", 5))};
  submit(gw, wc::encode_submit(jobs), alice);
  run();
  EXPECT_TRUE(alice.errors().empty());
  ASSERT_EQ(alice.results().size(), 3u);
  for (auto& j : jobs) {
    ASSERT_EQ(alice.count(j.id), 1u) << "job " << j.id;
    auto r = *alice.find(j.id);
    EXPECT_EQ(r.status, job_status::ok);
    EXPECT_EQ(r.output, j.input);
    EXPECT_EQ(r.skill, "echo");
    EXPECT_EQ(r.node, "gw-node");
  }
}

TEST_F(Gateway, ResultsThatCompleteTogetherLeaveInOneBatch) {
  auto gw = spawn_gateway();
  std::vector<job> jobs{make_job(1, "echo", "a"), make_job(2, "echo", "b"),
                        make_job(3, "echo", "c")};
  submit(gw, wc::encode_submit(jobs), alice);
  // The gateway forwards the jobs; then everything else runs until all three
  // results wait in the gateway's mailbox.
  run_only({resumable_of(gw)});
  run_except({resumable_of(gw)});
  EXPECT_TRUE(alice.batches().empty());
  run();
  ASSERT_EQ(alice.batches().size(), 1u);
  ASSERT_EQ(alice.batches()[0].size(), 3u);
  for (uint64_t id = 1; id <= 3; ++id)
    EXPECT_EQ(alice.count(id), 1u);
}

TEST_F(Gateway, UnknownSkillIsReportedPerJob) {
  auto gw = spawn_gateway();
  std::vector<job> jobs{make_job(1, "echo", "fine"),
                        make_job(2, "nosuch", "x")};
  submit(gw, wc::encode_submit(jobs), alice);
  run();
  ASSERT_EQ(alice.count(1), 1u);
  EXPECT_EQ(alice.find(1)->status, job_status::ok);
  ASSERT_EQ(alice.count(2), 1u);
  EXPECT_EQ(alice.find(2)->status, job_status::unknown_skill);
  EXPECT_NE(alice.find(2)->error.find("nosuch"), std::string::npos);
}

TEST_F(Gateway, ClientsWithTheSameIdsGetTheirOwnResults) {
  auto gw = spawn_gateway();
  submit(gw, wc::encode_submit({make_job(1, "echo", "from alice")}), alice);
  submit(gw, wc::encode_submit({make_job(1, "echo", "from bob")}), bob);
  run();
  ASSERT_EQ(alice.results().size(), 1u);
  ASSERT_EQ(bob.results().size(), 1u);
  EXPECT_EQ(alice.results()[0].id, 1u);
  EXPECT_EQ(alice.results()[0].output, "from alice");
  EXPECT_EQ(bob.results()[0].id, 1u);
  EXPECT_EQ(bob.results()[0].output, "from bob");
}

TEST_F(Gateway, EmptySubmitBatchProducesNoResults) {
  auto gw = spawn_gateway();
  submit(gw, wc::encode_submit({}), alice);
  run();
  EXPECT_TRUE(alice.batches().empty());
}

TEST_F(Gateway, StatusMergesTheRoutersFiguresAndSaysWhetherItDrains) {
  auto gw = spawn_gateway();
  auto st = ask<troupe::node_status>(gw, troupe::atom::status::value);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->name, "gw-node");
  EXPECT_EQ(st->address, "127.0.0.1:4710");
  ASSERT_EQ(st->skills.size(), 1u);
  EXPECT_EQ(st->skills[0].name, "echo");
  EXPECT_FALSE(st->draining);
}

TEST_F(Gateway, CrashRequestsNeedTheTestHook) {
  auto gw = spawn_gateway();
  auto what = start_request<std::string>(gw, troupe::atom::crash::value,
                                         std::string{"router"});
  run();
  ASSERT_TRUE(what->done);
  ASSERT_TRUE(what->error);
  EXPECT_NE(troupe::message_of(what->error).find("--test-skills"),
            std::string::npos)
    << troupe::message_of(what->error);
}

TEST_F(Gateway, ResultForAnUnknownIdIsIgnored) {
  auto gw = spawn_gateway();
  job_result stray;
  stray.id = 12345;
  stray.status = job_status::ok;
  caf::anon_send(gw, stray);
  run();
  submit(gw, wc::encode_submit({make_job(9, "echo", "x")}), alice);
  run();
  ASSERT_EQ(alice.results().size(), 1u);
  EXPECT_EQ(alice.results()[0].id, 9u);
}

} // namespace

namespace {

TEST_F(Gateway, ABurstOfResultsLeavesInBoundedBatches) {
  auto gw = spawn_gateway();
  std::vector<job> jobs;
  for (uint64_t id = 1; id <= 300; ++id)
    jobs.push_back(make_job(id, "echo", "x"));
  submit(gw, wc::encode_submit(jobs), alice);
  // The gateway forwards the jobs; everything else produces all 300 results
  // before the gateway handles any, so they are ready together.
  run_only({resumable_of(gw)});
  run_except({resumable_of(gw)});
  run();
  ASSERT_EQ(alice.results().size(), 300u);
  ASSERT_EQ(alice.batches().size(), 3u);
  EXPECT_EQ(alice.batches()[0].size(), 128u);
  EXPECT_EQ(alice.batches()[1].size(), 128u);
  EXPECT_EQ(alice.batches()[2].size(), 44u);
}

TEST_F(Gateway, ResultBatchesRespectTheByteLimit) {
  troupe::ingress::gateway_config cfg;
  cfg.node_name = "gw-node";
  cfg.result_batch.max_bytes = 1000;
  auto gw = sys().spawn(troupe::ingress::gateway, cfg, router);
  stop_at_end(gw);
  std::vector<job> jobs;
  for (uint64_t id = 1; id <= 20; ++id)
    jobs.push_back(make_job(id, "echo", std::string(200, 'y')));
  submit(gw, wc::encode_submit(jobs), alice);
  run_only({resumable_of(gw)});
  run_except({resumable_of(gw)});
  run();
  ASSERT_EQ(alice.results().size(), 20u);
  EXPECT_GT(alice.batches().size(), 1u);
  for (auto& b : alice.batches()) {
    size_t bytes = 0;
    for (auto& r : b)
      bytes += r.output.size() + r.error.size() + 64;
    EXPECT_LE(bytes, 1000u);
  }
}

} // namespace

namespace {

/// A router that keeps every job it gets and never answers: a message lost
/// somewhere inside the node, as the gateway sees it.
class Backstop : public Gateway {
 public:
  Backstop() : kept(std::make_shared<std::vector<job>>()) {
    auto jobs = kept;
    auto hole = sys().spawn([jobs](caf::event_based_actor*) -> caf::behavior {
      return {
        [jobs](job& j, troupe::result_sink_actor&) {
          jobs->push_back(std::move(j));
        },
      };
    });
    stop_at_end(hole);
    cfg.node_name = "gw-node";
    cfg.grace = 5s;
    auto counter = faults;
    cfg.on_internal_fault = [counter] {
      ++*counter;
    };
    router = caf::actor_cast<troupe::router_actor>(hole);
    gw = sys().spawn(troupe::ingress::gateway, cfg, router);
    stop_at_end(gw);
  }

  /// A gateway as the node runs it: supervised, with `heirs`.
  gateway_actor spawn_supervised() {
    using impl
      = troupe::supervision::supervised_actor<gateway_actor,
                                              troupe::ingress::gateway_state>;
    impl::init_fn init = [c = cfg, r = router](impl::pointer self) {
      return troupe::ingress::gateway(self, c, r);
    };
    auto hdl = sys().spawn<impl>(std::move(init), heirs,
                                 troupe::node::any_but_results);
    run();
    return hdl;
  }

  /// What the pool would send `to` for `j` (which the hole kept).
  void answer_ok(const gateway_actor& to, const job& j) {
    job_result r;
    r.id = j.id;
    r.status = job_status::ok;
    r.output = j.input;
    caf::anon_send(to, r);
    run();
  }

  troupe::ingress::gateway_config cfg;
  troupe::router_actor router;
  std::shared_ptr<troupe::supervision::succession> heirs
    = std::make_shared<troupe::supervision::succession>("the gateway", 64);
  std::shared_ptr<std::vector<job>> kept;
  std::shared_ptr<int> faults = std::make_shared<int>(0);
  gateway_actor gw;
};

// Belt and braces: a job the gateway accepted gets its one result from the
// node even when nothing inside answers it: TIMEOUT after its deadline plus
// the grace, counted as an internal fault; a late result is dropped.
TEST_F(Backstop, AJobLostInsideTheNodeEndsTimeoutOnceAfterDeadlinePlusGrace) {
  auto short_job = make_job(3, "echo", "x");
  short_job.options.timeout = 2s;
  auto default_job = make_job(4, "echo", "y"); // the default 60 s
  submit(gw, wc::encode_submit({short_job, default_job}, 1), alice);
  run();
  ASSERT_EQ(kept->size(), 2u);
  advance(6s);
  EXPECT_TRUE(alice.results().empty()) << "answered before deadline + grace";
  advance(2s);
  ASSERT_EQ(alice.results().size(), 1u);
  ASSERT_EQ(alice.count(3), 1u);
  auto r = *alice.find(3);
  EXPECT_EQ(r.status, job_status::timeout);
  EXPECT_EQ(r.skill, "echo");
  EXPECT_EQ(r.node, "gw-node");
  EXPECT_NE(r.error.find("internal fault"), std::string::npos) << r.error;
  EXPECT_EQ(*faults, 1);
  // The real result, arriving late, is dropped: still one result.
  answer_ok(gw, (*kept)[0]);
  EXPECT_EQ(alice.count(3), 1u);
  EXPECT_EQ(alice.find(3)->status, job_status::timeout);
  // The other job keeps its own deadline (65 s).
  advance(56s);
  EXPECT_EQ(alice.count(4), 0u);
  advance(2s);
  ASSERT_EQ(alice.count(4), 1u);
  EXPECT_EQ(alice.find(4)->status, job_status::timeout);
  EXPECT_EQ(*faults, 2);
}

// A job answered in time leaves no timer behind that could answer it again.
TEST_F(Backstop, AJobAnsweredInTimeIsNotAnsweredAgain) {
  auto j = make_job(8, "echo", "x");
  j.options.timeout = 1s;
  submit(gw, wc::encode_submit({j}, 1), alice);
  run();
  ASSERT_EQ(kept->size(), 1u);
  answer_ok(gw, (*kept)[0]);
  ASSERT_EQ(alice.count(8), 1u);
  advance(1min);
  EXPECT_EQ(alice.count(8), 1u);
  EXPECT_EQ(*faults, 0);
}

// A gateway that crashes answers the jobs it accepted NODE_LOST (their
// results would come back to nobody), but a batch it had not read yet goes
// to its successor, which runs it: the sender waits for its answer.
TEST_F(Backstop, ACrashedGatewayLeavesWhatItHadNotReadToItsSuccessor) {
  auto first = spawn_supervised();
  submit(first, wc::encode_submit({make_job(1, "echo", "a")}, 1), alice);
  run();
  ASSERT_EQ(kept->size(), 1u);
  // The crash, and right behind it a batch the gateway never reads.
  caf::anon_send_exit(first.address(), caf::exit_reason::kill);
  submit(first, wc::encode_submit({make_job(2, "echo", "b")}, 2), alice);
  run();
  ASSERT_EQ(alice.count(1), 1u);
  EXPECT_EQ(alice.find(1)->status, job_status::node_lost);
  EXPECT_EQ(alice.count(2), 0u);
  EXPECT_EQ(heirs->buffered(), 1u);
  auto second = spawn_supervised();
  stop_at_end(second);
  run();
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[1].input, "b");
  answer_ok(second, (*kept)[1]);
  ASSERT_EQ(alice.count(2), 1u);
  EXPECT_EQ(alice.find(2)->status, job_status::ok);
  EXPECT_EQ(alice.count(1), 1u);
}

// When the node stops, every job in flight ends CANCELLED and the results
// leave together, not one message each (a node exiting right after could
// otherwise leave some of them unsent).
TEST_F(Backstop, CancellingEverythingSendsTheResultsTogether) {
  std::vector<job> jobs;
  for (uint64_t id = 0; id < 20; ++id)
    jobs.push_back(make_job(id, "slow", "30000"));
  submit(gw, wc::encode_submit(jobs, 1), alice);
  run();
  ASSERT_EQ(kept->size(), 20u);
  auto n = ask<uint64_t>(gw, troupe::atom::cancel::value,
                         std::string{"node gw-node was stopped at once"});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 20u);
  run();
  ASSERT_EQ(alice.results().size(), 20u);
  EXPECT_EQ(alice.batches().size(), 1u);
  for (auto& r : alice.results())
    EXPECT_EQ(r.status, job_status::cancelled);
  // Stopping also means accepting nothing new.
  submit(gw, wc::encode_submit({make_job(99, "echo", "late")}, 2), alice);
  run();
  ASSERT_EQ(alice.count(99), 1u);
  EXPECT_EQ(alice.find(99)->status, job_status::overloaded);
}

} // namespace
