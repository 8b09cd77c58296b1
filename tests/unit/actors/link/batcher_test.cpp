// The batcher on CAF's deterministic test coordinator, against a scripted
// destination gateway.
#include "actors/link/batcher.hpp"
#include "cluster/dispatcher.hpp"
#include "messages/type_ids.hpp"
#include "messages/wire/batch_codec.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/unit/actor_test_helpers.hpp"

#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using troupe::batcher_actor;
using troupe::batcher_stats;
using troupe::gateway_actor;
using troupe::job;
using troupe::job_result;
using troupe::job_status;
using troupe::link::batcher_config;
using troupe::test::make_job;
using troupe::test::result_recorder;
namespace atom = troupe::atom;
namespace wc = troupe::wire::batch_codec;

// What the fake destination saw, and whether it answers.
struct destination_log {
  std::vector<std::vector<job>> batches;
  bool answer = true;
  troupe::client_sink_actor last_client;
  /// Ids in the cancel requests the destination got.
  std::vector<uint64_t> cancelled;
  /// The batch id of each batch in `batches`.
  std::vector<uint64_t> batch_ids;
  /// Indices (in `batches`) of the batches the destination refuses whole.
  std::vector<size_t> refuse;
};

// A gateway that answers every job with its input ("fail" fails the job),
// or holds the results while `answer` is false.
gateway_actor::behavior_type
fake_gateway(gateway_actor::pointer self,
             std::shared_ptr<destination_log> log) {
  return {
    [self, log](atom::submit, const std::string& bytes,
                const troupe::client_sink_actor& client) {
      auto batch = wc::decode_submit(bytes);
      ASSERT_TRUE(batch);
      auto index = log->batches.size();
      log->batches.push_back(batch->jobs);
      log->batch_ids.push_back(batch->id);
      log->last_client = client;
      if (std::count(log->refuse.begin(), log->refuse.end(), index) > 0) {
        wc::batch_refusal x;
        x.batch_id = batch->id;
        x.error = "message too large";
        self->send(client, atom::results::value, wc::encode_refusal(x));
        return;
      }
      if (!log->answer)
        return;
      std::vector<job_result> results;
      for (auto& j : batch->jobs) {
        job_result r;
        r.id = j.id;
        r.skill = j.skill;
        r.node = "far";
        if (j.input == "fail") {
          r.status = job_status::skill_error;
          r.error = "failed on purpose";
        } else {
          r.status = job_status::ok;
          r.output = j.input;
        }
        results.push_back(std::move(r));
      }
      self->send(client, atom::results::value, wc::encode_results(results));
    },
    [](atom::submit, std::vector<job>&, const troupe::result_port_ptr&) {},
    [](atom::cancel, const std::vector<uint64_t>&,
       const troupe::result_port_ptr&) {},
    [](atom::leave, const troupe::result_port_ptr&) {},
    [](atom::status) {
      return troupe::node_status{};
    },
    [](atom::crash, const std::string&) {
      return std::string{};
    },
    [](atom::cluster, const std::string&) {
      return std::string{};
    },
    [](job_result&) {},
    [](atom::flush) {},
    [](atom::tick) {},
    [](atom::health) {
      return troupe::health_report{};
    },
    [](atom::drain) {
      return uint64_t{0};
    },
    [](atom::cancel, const std::string&) {
      return uint64_t{0};
    },
    [](atom::get, const std::string&, const std::string&,
       caf::timespan) -> caf::result<int32_t, std::string> {
      return {int32_t{0}, std::string{}};
    },
    [](atom::cancel, const std::string&, const std::vector<std::string>&) {
      return uint32_t{0};
    },
    [self, log](atom::cancel, const std::string& bytes,
                const troupe::client_sink_actor& client) {
      auto ids = wc::decode_cancel(bytes);
      ASSERT_TRUE(ids);
      log->cancelled.insert(log->cancelled.end(), ids->begin(), ids->end());
      std::vector<job_result> results;
      for (auto id : *ids) {
        job_result r;
        r.id = id;
        r.status = job_status::cancelled;
        r.error = "cancelled by its client while running";
        results.push_back(std::move(r));
      }
      self->send(client, atom::results::value, wc::encode_results(results));
    },
  };
}

class Batcher : public troupe::test::actor_test {
 public:
  Batcher() : rec(sys()), log(std::make_shared<destination_log>()) {
    dest = sys().spawn(fake_gateway, log);
    stop_at_end(dest);
  }

  batcher_actor spawn_batcher(troupe::link::batch_limits limits = {},
                              troupe::failover_actor failover = {}) {
    troupe::link::batcher_config cfg;
    cfg.failover = failover;
    cfg.destination_name = "far:1";
    cfg.node_name = "near";
    cfg.limits = limits;
    cfg.default_timeout = 10s;
    cfg.grace = 1s;
    auto b = sys().spawn(troupe::link::batcher, dest, cfg);
    stop_at_end(b);
    return b;
  }

  void submit(const batcher_actor& b, job j) {
    caf::anon_send(b, std::move(j), rec.handle());
  }

  batcher_stats stats(const batcher_actor& b) {
    auto s = ask<batcher_stats>(b, atom::status::value);
    return s ? *s : batcher_stats{};
  }

  size_t total_sent() const {
    size_t n = 0;
    for (auto& b : log->batches)
      n += b.size();
    return n;
  }

  result_recorder rec;
  std::shared_ptr<destination_log> log;
  gateway_actor dest;
};

TEST_F(Batcher, LoneJobGoesOutAtOnce) {
  auto b = spawn_batcher();
  submit(b, make_job(7, "echo", "hi"));
  run(); // no time passes
  ASSERT_EQ(log->batches.size(), 1u);
  ASSERT_EQ(rec.results().size(), 1u);
  auto r = rec.results()[0];
  EXPECT_EQ(r.id, 7u);
  EXPECT_EQ(r.status, job_status::ok);
  EXPECT_EQ(r.output, "hi");
  EXPECT_EQ(r.node, "far");
  EXPECT_EQ(stats(b).flushed_idle, 1u);
}

TEST_F(Batcher, JobsThatArriveTogetherLeaveTogether) {
  auto b = spawn_batcher();
  for (uint64_t i = 1; i <= 10; ++i)
    submit(b, make_job(i, "echo", std::to_string(i)));
  run();
  ASSERT_EQ(log->batches.size(), 1u);
  EXPECT_EQ(log->batches[0].size(), 10u);
  EXPECT_EQ(rec.results().size(), 10u);
}

TEST_F(Batcher, FlushesOnCount) {
  troupe::link::batch_limits l;
  l.max_count = 4;
  auto b = spawn_batcher(l);
  for (uint64_t i = 1; i <= 10; ++i)
    submit(b, make_job(i, "echo", "x"));
  run();
  ASSERT_EQ(log->batches.size(), 3u);
  EXPECT_EQ(log->batches[0].size(), 4u);
  EXPECT_EQ(log->batches[1].size(), 4u);
  EXPECT_EQ(log->batches[2].size(), 2u);
  auto s = stats(b);
  EXPECT_EQ(s.flushed_count, 2u);
  EXPECT_EQ(s.flushed_idle, 1u);
  EXPECT_EQ(rec.results().size(), 10u);
}

// A refused batch fails exactly its own jobs: the others, sent before and
// after it, get their results.
TEST_F(Batcher, ARefusedBatchFailsExactlyItsJobs) {
  troupe::link::batch_limits l;
  l.max_count = 4;
  auto b = spawn_batcher(l);
  log->refuse = {1};
  for (uint64_t i = 1; i <= 10; ++i)
    submit(b, make_job(i, "echo", "x"));
  run();
  ASSERT_EQ(log->batches.size(), 3u);
  EXPECT_NE(log->batch_ids[0], 0u);
  EXPECT_NE(log->batch_ids[1], log->batch_ids[0]);
  EXPECT_NE(log->batch_ids[2], log->batch_ids[1]);
  ASSERT_EQ(rec.results().size(), 10u);
  for (uint64_t i = 1; i <= 10; ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    ASSERT_EQ(rec.count(i), 1u);
    auto refused = i >= 5 && i <= 8;
    EXPECT_EQ(rec.find(i)->status,
              refused ? job_status::bad_input : job_status::ok);
    if (refused) {
      EXPECT_EQ(rec.find(i)->error, "message too large");
    }
  }
}

TEST_F(Batcher, FlushesOnBytes) {
  troupe::link::batch_limits l;
  l.max_bytes = 250;
  auto b = spawn_batcher(l);
  for (uint64_t i = 1; i <= 6; ++i)
    submit(b, make_job(i, "echo", std::string(100, 'x')));
  run();
  // Each job is about 140 bytes on the wire: two per batch at most.
  ASSERT_GE(log->batches.size(), 3u);
  for (auto& batch : log->batches)
    EXPECT_LE(batch.size(), 2u);
  EXPECT_GE(stats(b).flushed_bytes, 2u);
  EXPECT_EQ(rec.results().size(), 6u);
}

TEST_F(Batcher, FlushesOnLingerUnderSteadyTraffic) {
  troupe::link::batch_limits l;
  l.max_count = 1000;
  l.max_linger = 2ms;
  auto b = spawn_batcher(l);
  // The destination holds its answers, so jobs stay in flight.
  log->answer = false;
  submit(b, make_job(1, "echo", "first"));
  run();
  ASSERT_EQ(log->batches.size(), 1u);
  // Then a steady stream, one job every 10 us of virtual time.
  for (uint64_t i = 2; i <= 80; ++i) {
    submit(b, make_job(i, "echo", "x"));
    run();
    sched().advance_time(10us);
  }
  // Once the batcher learned the rate, later jobs waited for company.
  sched().advance_time(3ms);
  run();
  EXPECT_GE(stats(b).flushed_linger, 1u);
  EXPECT_EQ(total_sent(), 80u);
  EXPECT_LT(log->batches.size(), 80u);
}

TEST_F(Batcher, OrderIsPreservedAcrossBatches) {
  troupe::link::batch_limits l;
  l.max_count = 3;
  auto b = spawn_batcher(l);
  for (uint64_t i = 1; i <= 20; ++i)
    submit(b, make_job(i, "echo", std::to_string(i)));
  run();
  std::vector<std::string> seen;
  for (auto& batch : log->batches)
    for (auto& j : batch)
      seen.push_back(j.input);
  ASSERT_EQ(seen.size(), 20u);
  for (size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], std::to_string(i + 1));
}

TEST_F(Batcher, EachItemGetsItsOwnResult) {
  auto b = spawn_batcher();
  submit(b, make_job(1, "echo", "a"));
  submit(b, make_job(2, "echo", "fail"));
  submit(b, make_job(3, "echo", "c"));
  run();
  ASSERT_EQ(log->batches.size(), 1u);
  ASSERT_EQ(rec.results().size(), 3u);
  EXPECT_EQ(rec.find(1)->status, job_status::ok);
  EXPECT_EQ(rec.find(2)->status, job_status::skill_error);
  EXPECT_EQ(rec.find(2)->error, "failed on purpose");
  EXPECT_EQ(rec.find(3)->status, job_status::ok);
  EXPECT_EQ(rec.find(3)->output, "c");
}

TEST_F(Batcher, SlowDestinationGetsBackpressureNotUnboundedMemory) {
  troupe::link::batch_limits l;
  l.max_count = 4;
  l.max_in_flight = 4;
  l.max_buffered = 8;
  auto b = spawn_batcher(l);
  log->answer = false;
  for (uint64_t i = 1; i <= 20; ++i)
    submit(b, make_job(i, "echo", "x"));
  run();
  // Four in flight, eight buffered, the rest refused at once.
  EXPECT_EQ(total_sent(), 4u);
  auto s = stats(b);
  EXPECT_EQ(s.in_flight, 4u);
  EXPECT_EQ(s.buffered, 8u);
  EXPECT_EQ(s.refused, 8u);
  ASSERT_EQ(rec.results().size(), 8u);
  for (auto& r : rec.results())
    EXPECT_EQ(r.status, job_status::overloaded);
  // Answers free the window: the buffered jobs go out.
  std::vector<job_result> answers;
  for (auto& j : log->batches[0]) {
    job_result r;
    r.id = j.id;
    r.status = job_status::ok;
    answers.push_back(r);
  }
  caf::anon_send(caf::actor_cast<troupe::client_sink_actor>(b),
                 atom::results::value, wc::encode_results(answers));
  run();
  EXPECT_EQ(total_sent(), 8u);
  EXPECT_EQ(rec.results().size(), 12u);
}

TEST_F(Batcher, JobsWithoutAnswerTimeOut) {
  auto b = spawn_batcher();
  log->answer = false;
  auto j = make_job(5, "echo", "x");
  j.options.timeout = 100ms;
  submit(b, std::move(j));
  run();
  EXPECT_TRUE(rec.results().empty());
  // Deadline 100 ms plus 1 s grace.
  sched().advance_time(1200ms);
  run();
  ASSERT_EQ(rec.count(5), 1u);
  EXPECT_EQ(rec.find(5)->status, job_status::timeout);
  // A late answer is ignored: still exactly one result.
  std::vector<job_result> late(1);
  late[0].id = log->batches[0][0].id;
  late[0].status = job_status::ok;
  caf::anon_send(caf::actor_cast<troupe::client_sink_actor>(b),
                 atom::results::value, wc::encode_results(late));
  run();
  EXPECT_EQ(rec.count(5), 1u);
}

// The deadline its node set when the job came in holds on the link: the
// member gets the time left (clocks differ between members), and the link
// gives up on that deadline, not on the timeout the client first named.
TEST_F(Batcher, AJobTravelsWithTheTimeItHasLeft) {
  auto b = spawn_batcher();
  log->answer = false;
  auto j = make_job(5, "echo", "x");
  j.options.timeout = 10s;
  j.options.deadline = sys().clock().now() + 3s;
  submit(b, std::move(j));
  run();
  ASSERT_EQ(log->batches.size(), 1u);
  EXPECT_EQ(log->batches[0][0].options.timeout, 3s);
  // Deadline 3 s plus 1 s grace, not 10 s.
  sched().advance_time(3500ms);
  run();
  EXPECT_TRUE(rec.results().empty());
  sched().advance_time(600ms);
  run();
  ASSERT_EQ(rec.count(5), 1u);
  EXPECT_EQ(rec.find(5)->status, job_status::timeout);
}

TEST_F(Batcher, LostDestinationFailsEveryJobOnce) {
  auto b = spawn_batcher();
  log->answer = false;
  for (uint64_t i = 1; i <= 5; ++i)
    submit(b, make_job(i, "echo", "x"));
  run();
  caf::anon_send_exit(dest, caf::exit_reason::kill);
  run();
  ASSERT_EQ(rec.results().size(), 5u);
  for (uint64_t i = 1; i <= 5; ++i) {
    EXPECT_EQ(rec.count(i), 1u);
    EXPECT_EQ(rec.find(i)->status, job_status::node_lost);
  }
  submit(b, make_job(9, "echo", "x"));
  run();
  ASSERT_EQ(rec.count(9), 1u);
  EXPECT_EQ(rec.find(9)->status, job_status::node_lost);
  EXPECT_TRUE(stats(b).destination_down);
}

TEST_F(Batcher, DestinationDeclaredLostFailsHeldJobs) {
  auto b = spawn_batcher();
  log->answer = false;
  for (uint64_t i = 1; i <= 3; ++i)
    submit(b, make_job(i, "echo", "x"));
  run();
  // Still connected, but declared lost (a hung peer): no waiting for
  // deadlines.
  caf::anon_send(b, atom::leave::value, std::string{"declared down"});
  run();
  ASSERT_EQ(rec.results().size(), 3u);
  for (auto& r : rec.results()) {
    EXPECT_EQ(r.status, job_status::node_lost);
    EXPECT_NE(r.error.find("declared down"), std::string::npos) << r.error;
  }
  submit(b, make_job(4, "echo", "x"));
  run();
  EXPECT_EQ(rec.find(4)->status, job_status::node_lost);
}

TEST_F(Batcher, LostJobsGoToTheFailoverHandlerIntact) {
  struct handed {
    std::string member;
    std::string why;
    bool sent;
    job j;
  };
  auto got = std::make_shared<std::vector<handed>>();
  auto handler = sys().spawn([got]() -> troupe::failover_actor::behavior_type {
    return {[got](atom::leave, std::string& member, std::string& why, bool sent,
                  job& j, troupe::result_sink_actor&) {
      got->push_back({member, why, sent, j});
    }};
  });
  stop_at_end(handler);
  auto b = spawn_batcher({}, handler);
  log->answer = false;
  submit(b, make_job(11, "echo", "first"));
  submit(b, make_job(12, "echo", "second"));
  run();
  caf::anon_send_exit(dest, caf::exit_reason::kill);
  run();
  // A job arriving after the loss goes the same way.
  submit(b, make_job(13, "echo", "third"));
  run();
  EXPECT_TRUE(rec.results().empty()) << "no NODE_LOST: the handler decides";
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].member, "far:1");
  EXPECT_EQ((*got)[0].j.id, 11u);
  EXPECT_EQ((*got)[0].j.input, "first");
  EXPECT_TRUE((*got)[0].sent);
  EXPECT_EQ((*got)[1].j.id, 12u);
  EXPECT_TRUE((*got)[1].sent);
  // It never left: it may run anywhere else, whatever its skill.
  EXPECT_EQ((*got)[2].j.input, "third");
  EXPECT_FALSE((*got)[2].sent);
}

TEST_F(Batcher, JobsReachingALinkAfterItEndedGoToFailover) {
  struct handed {
    uint64_t id;
    bool sent;
  };
  auto got = std::make_shared<std::vector<handed>>();
  auto handler = sys().spawn([got]() -> troupe::failover_actor::behavior_type {
    return {[got](atom::leave, std::string&, std::string&, bool sent, job& j,
                  troupe::result_sink_actor&) {
      got->push_back({j.id, sent});
    }};
  });
  stop_at_end(handler);
  troupe::link::batcher_config cfg;
  cfg.failover = handler;
  cfg.destination_name = "far:1";
  cfg.node_name = "near";
  batcher_actor link;
  auto owner = sys().spawn([&](caf::event_based_actor* self) {
    link = troupe::cluster::spawn_link(self, dest, cfg);
    return caf::behavior{[](int) {}};
  });
  stop_at_end(owner);
  run();
  ASSERT_TRUE(link);
  log->answer = false;
  submit(link, make_job(21, "echo", "sent before the end"));
  run();
  // The link ends (its owner dropped it) while someone still holds it.
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  run();
  submit(link, make_job(22, "echo", "sent after the end"));
  run();
  EXPECT_TRUE(rec.results().empty());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].id, 21u);
  EXPECT_TRUE((*got)[0].sent);
  EXPECT_EQ((*got)[1].id, 22u);
  EXPECT_FALSE((*got)[1].sent);
}

TEST_F(Batcher, MalformedResultBatchIsIgnored) {
  auto b = spawn_batcher();
  log->answer = false;
  submit(b, make_job(1, "echo", "x"));
  run();
  caf::anon_send(caf::actor_cast<troupe::client_sink_actor>(b),
                 atom::results::value, std::string{"garbage"});
  run();
  EXPECT_TRUE(rec.results().empty());
  EXPECT_EQ(stats(b).in_flight, 1u);
}

TEST_F(Batcher, CancelledJobThatWasSentIsCancelledAtTheDestination) {
  log->answer = false;
  auto b = spawn_batcher();
  submit(b, make_job(7, "echo", "a"));
  submit(b, make_job(8, "echo", "b"));
  run();
  ASSERT_EQ(log->batches.size(), 1u);
  auto far_id = log->batches[0][0].id;
  // Another submitter's job 7 is not this one.
  result_recorder other{sys()};
  caf::anon_send(b, atom::cancel::value, std::vector<uint64_t>{7},
                 other.handle());
  run();
  EXPECT_TRUE(log->cancelled.empty());
  caf::anon_send(b, atom::cancel::value, std::vector<uint64_t>{7},
                 rec.handle());
  run();
  ASSERT_EQ(log->cancelled.size(), 1u);
  EXPECT_EQ(log->cancelled[0], far_id);
  ASSERT_EQ(rec.count(7), 1u);
  EXPECT_EQ(rec.find(7)->status, job_status::cancelled);
  EXPECT_EQ(rec.count(8), 0u);
}

TEST_F(Batcher, CancelledJobThatWasNotSentNeverLeaves) {
  auto b = spawn_batcher();
  // Both messages wait in the mailbox: the job is buffered, then cancelled
  // before the batcher's flush check runs.
  submit(b, make_job(7, "echo", "a"));
  caf::anon_send(b, atom::cancel::value, std::vector<uint64_t>{7},
                 rec.handle());
  submit(b, make_job(8, "echo", "b"));
  run();
  ASSERT_EQ(rec.count(7), 1u);
  EXPECT_EQ(rec.find(7)->status, job_status::cancelled);
  EXPECT_NE(rec.find(7)->error.find("before it left"), std::string::npos)
    << rec.find(7)->error;
  EXPECT_TRUE(log->cancelled.empty());
  size_t sent = 0;
  for (auto& batch : log->batches)
    sent += batch.size();
  EXPECT_EQ(sent, 1u);
  ASSERT_EQ(rec.count(8), 1u);
  EXPECT_EQ(rec.find(8)->status, job_status::ok);
}

} // namespace
