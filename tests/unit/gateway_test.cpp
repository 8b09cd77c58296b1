#include "actors/gateway.hpp"
#include "actors/router.hpp"
#include "actors/worker_pool.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/troupe.pb.h"
#include "messages/wire_codec.hpp"
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
namespace wc = troupe::wire_codec;

/// A client's result sink: decodes every ResultBatch it receives.
class client {
 public:
  explicit client(caf::actor_system& sys)
      : batches_(std::make_shared<std::vector<std::vector<job_result>>>()),
        errors_(std::make_shared<std::vector<std::string>>()) {
    auto batches = batches_;
    auto errors = errors_;
    handle_
      = sys.spawn([batches, errors]() -> client_sink_actor::behavior_type {
          return {
            [batches, errors](troupe::atom::results, const std::string& bytes) {
              auto decoded = wc::decode_results(bytes);
              if (decoded)
                batches->push_back(std::move(*decoded));
              else
                errors->push_back(troupe::describe(decoded.error()));
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
  std::shared_ptr<std::vector<std::string>> errors_;
  client_sink_actor handle_;
};

class Gateway : public troupe::test::actor_test {
 public:
  Gateway() : alice(sys()), bob(sys()) {
    troupe::worker_pool_config pcfg;
    pcfg.node_name = "gw-node";
    pcfg.min_workers = pcfg.max_workers = 1;
    pcfg.queue_capacity = 100;
    pcfg.default_timeout = 60s;
    pool = sys().spawn(troupe::worker_pool, troupe::test::echo_skill("echo"),
                       pcfg);
    stop_at_end(pool);
    troupe::router_config rcfg;
    rcfg.node_name = "gw-node";
    rcfg.address = "127.0.0.1:4710";
    rcfg.max_job_bytes = 1024;
    std::unordered_map<std::string, worker_pool_actor> pools{{"echo", pool}};
    router = sys().spawn(troupe::router, rcfg, std::move(pools));
    stop_at_end(router);
  }

  gateway_actor spawn_gateway(uint64_t max_message_bytes = 1 << 20) {
    troupe::gateway_config cfg;
    cfg.node_name = "gw-node";
    cfg.max_message_bytes = max_message_bytes;
    auto gw = sys().spawn(troupe::gateway, cfg, router);
    stop_at_end(gw);
    return gw;
  }

  void submit(const gateway_actor& gw, const std::string& bytes,
              const client& c) {
    caf::anon_send(gw, troupe::atom::submit::value, bytes, c.handle());
  }

  /// Sends a query and returns the decoded response.
  caf::expected<wc::response> query(const gateway_actor& gw,
                                    const std::string& bytes) {
    auto resp = ask<std::string>(gw, troupe::atom::query::value, bytes);
    if (!resp)
      return caf::make_error(caf::sec::runtime_error, "no response");
    return wc::decode_response(*resp);
  }

  worker_pool_actor pool;
  troupe::router_actor router;
  client alice;
  client bob;
};

TEST_F(Gateway, GarbageSubmitGetsOneBadInputBatch) {
  auto gw = spawn_gateway();
  submit(gw, "garbage", alice);
  run();
  EXPECT_TRUE(alice.errors().empty());
  ASSERT_EQ(alice.batches().size(), 1u);
  ASSERT_EQ(alice.batches()[0].size(), 1u);
  auto& r = alice.batches()[0][0];
  EXPECT_EQ(r.status, job_status::bad_input);
  EXPECT_NE(r.error.find("SubmitBatch"), std::string::npos) << r.error;
  EXPECT_EQ(r.node, "gw-node");
}

TEST_F(Gateway, WrongProtocolVersionGetsBadInputNamingTheVersion) {
  auto gw = spawn_gateway();
  troupe::wire::SubmitBatch batch;
  batch.set_protocol_version(wc::protocol_version + 41);
  batch.add_jobs()->set_skill("echo");
  submit(gw, batch.SerializeAsString(), alice);
  run();
  ASSERT_EQ(alice.batches().size(), 1u);
  ASSERT_EQ(alice.batches()[0].size(), 1u);
  auto& r = alice.batches()[0][0];
  EXPECT_EQ(r.status, job_status::bad_input);
  EXPECT_NE(r.error.find(std::to_string(wc::protocol_version + 41)),
            std::string::npos)
    << r.error;
}

TEST_F(Gateway, OversizedSubmitIsRefusedWhole) {
  auto gw = spawn_gateway(64);
  std::vector<job> jobs{make_job(1, "echo", std::string(100, 'x')),
                        make_job(2, "echo", "small")};
  submit(gw, wc::encode_submit(jobs), alice);
  run();
  ASSERT_EQ(alice.results().size(), 1u);
  auto r = alice.results()[0];
  EXPECT_EQ(r.status, job_status::bad_input);
  EXPECT_NE(r.error.find("message limit"), std::string::npos) << r.error;
  EXPECT_EQ(alice.count(2), 0u);
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

TEST_F(Gateway, GarbageQueryGetsAnErrorResponse) {
  auto gw = spawn_gateway();
  auto resp = query(gw, "garbage");
  ASSERT_FALSE(resp);
  EXPECT_EQ(resp.error().category(), caf::atom("troupe"));
  EXPECT_EQ(resp.error().code(),
            static_cast<uint8_t>(troupe::error_code::rejected));
  EXPECT_NE(troupe::message_of(resp.error()).find("ClientRequest"),
            std::string::npos)
    << troupe::message_of(resp.error());
}

TEST_F(Gateway, QueryWithWrongVersionGetsAnErrorResponse) {
  auto gw = spawn_gateway();
  troupe::wire::ClientRequest req;
  req.set_protocol_version(wc::protocol_version + 1);
  req.mutable_get_status();
  auto resp = query(gw, req.SerializeAsString());
  ASSERT_FALSE(resp);
  EXPECT_NE(troupe::message_of(resp.error()).find("protocol version"),
            std::string::npos)
    << troupe::message_of(resp.error());
}

TEST_F(Gateway, ListSkillsQuery) {
  auto gw = spawn_gateway();
  auto resp = query(gw, wc::encode_query(wc::query_kind::list_skills));
  ASSERT_TRUE(resp) << troupe::describe(resp.error());
  auto* list = std::get_if<troupe::skill_list>(&*resp);
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->skills.size(), 1u);
  EXPECT_EQ(list->skills[0].name, "echo");
  EXPECT_EQ(list->skills[0].workers, 1u);
}

TEST_F(Gateway, StatusQuery) {
  auto gw = spawn_gateway();
  auto resp = query(gw, wc::encode_query(wc::query_kind::get_status));
  ASSERT_TRUE(resp) << troupe::describe(resp.error());
  auto* st = std::get_if<troupe::node_status>(&*resp);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->name, "gw-node");
  EXPECT_EQ(st->address, "127.0.0.1:4710");
  ASSERT_EQ(st->skills.size(), 1u);
  EXPECT_EQ(st->skills[0].name, "echo");
}

TEST_F(Gateway, BreakerQueryForASkillWithoutBreakerIsAnErrorResponse) {
  auto gw = spawn_gateway();
  auto resp = query(
    gw, wc::encode_breaker_query("echo", troupe::breaker_command::force_open));
  ASSERT_FALSE(resp);
  EXPECT_NE(troupe::message_of(resp.error()).find("has no breaker"),
            std::string::npos)
    << troupe::message_of(resp.error());
  resp = query(gw,
               wc::encode_breaker_query("nope", troupe::breaker_command::show));
  ASSERT_FALSE(resp);
  EXPECT_NE(troupe::message_of(resp.error()).find("no skill 'nope'"),
            std::string::npos)
    << troupe::message_of(resp.error());
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
  troupe::gateway_config cfg;
  cfg.node_name = "gw-node";
  cfg.result_batch.max_bytes = 1000;
  auto gw = sys().spawn(troupe::gateway, cfg, router);
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
