// Speaks the wire protocol to a real node process directly, the way any
// client library would, including bytes no troupe client would send.
#include "messages/wire_codec.hpp"
#include "node/client.hpp"
#include "node/system_config.hpp"
#include "tests/support/node_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace troupe;
using namespace troupe::test;

namespace {

struct RemoteNode : ::testing::Test {
  RemoteNode() : sys(cfg) {
    // nop
  }

  gateway_actor connect(const node_process& node) {
    auto gw = sys.middleman().remote_actor<gateway_actor>("127.0.0.1",
                                                          node.port());
    EXPECT_TRUE(gw) << sys.render(gw.error());
    return gw ? *gw : gateway_actor{};
  }

  system_config cfg;
  caf::actor_system sys;
};

} // namespace

TEST_F(RemoteNode, ThousandConcurrentJobsAnsweredExactlyOnce) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto gw = connect(node);
  ASSERT_TRUE(gw);
  caf::scoped_actor self{sys};
  auto sink = caf::actor_cast<client_sink_actor>(self.ptr());
  std::vector<job> jobs;
  for (uint64_t id = 1; id <= 1000; ++id)
    jobs.push_back(job{id, id % 2 ? "echo" : "sha256", std::to_string(id), {}});
  // Several batches in flight at once, as a pipelining client sends them.
  for (size_t i = 0; i < jobs.size(); i += 100) {
    std::vector<job> batch(jobs.begin() + i, jobs.begin() + i + 100);
    self->send(gw, atom::submit::value, wire_codec::encode_submit(batch), sink);
  }
  std::map<uint64_t, int> seen;
  size_t received = 0;
  bool timed_out = false;
  while (received < 1000 && !timed_out) {
    self->receive(
      [&](atom::results, const std::string& bytes) {
        auto results = wire_codec::decode_results(bytes);
        ASSERT_TRUE(results);
        for (auto& r : *results) {
          ++seen[r.id];
          ++received;
          EXPECT_EQ(r.status, job_status::ok) << r.error;
        }
      },
      caf::after(std::chrono::seconds(30)) >>
        [&] {
          timed_out = true;
        });
  }
  ASSERT_FALSE(timed_out) << "only " << received << " results arrived";
  // A control round trip after the last result; anything still queued for
  // us would be a duplicate.
  self
    ->request(gw, std::chrono::seconds(10), atom::query::value,
              wire_codec::encode_query(wire_codec::query_kind::get_status))
    .receive([](std::string&) {}, [](caf::error&) {});
  bool drained = false;
  while (!drained)
    self->receive(
      [&](atom::results, const std::string& bytes) {
        auto results = wire_codec::decode_results(bytes);
        if (!results)
          return;
        for (auto& r : *results) {
          ++seen[r.id];
          ++received;
        }
      },
      caf::after(std::chrono::milliseconds(0)) >>
        [&] {
          drained = true;
        });
  EXPECT_EQ(received, 1000u);
  EXPECT_EQ(seen.size(), 1000u);
  for (auto& [id, n] : seen)
    EXPECT_EQ(n, 1) << "job " << id;
}

TEST_F(RemoteNode, MalformedBytesAreRefusedAndNodeKeepsServing) {
  node_process node;
  ASSERT_TRUE(node.ready()) << node.log();
  auto gw = connect(node);
  ASSERT_TRUE(gw);
  caf::scoped_actor self{sys};
  auto sink = caf::actor_cast<client_sink_actor>(self.ptr());
  self->send(gw, atom::submit::value, std::string{"\xff\xff\xff garbage"},
             sink);
  bool refused = false;
  self->receive(
    [&](atom::results, const std::string& bytes) {
      auto results = wire_codec::decode_results(bytes);
      ASSERT_TRUE(results);
      ASSERT_EQ(results->size(), 1u);
      EXPECT_EQ((*results)[0].status, job_status::bad_input);
      EXPECT_NE((*results)[0].error.find("SubmitBatch"), std::string::npos)
        << (*results)[0].error;
      refused = true;
    },
    caf::after(std::chrono::seconds(10)) >> [] {});
  EXPECT_TRUE(refused);
  std::string answer;
  self
    ->request(gw, std::chrono::seconds(10), atom::query::value,
              std::string{"not a request"})
    .receive(
      [&](std::string& resp) {
        answer = std::move(resp);
      },
      [](caf::error&) {});
  auto decoded = wire_codec::decode_response(answer);
  ASSERT_FALSE(decoded);
  // A message the gateway's interface does not have is dropped silently.
  caf::anon_send(caf::actor_cast<caf::actor>(gw), std::string{"hello"}, 42);
  auto c = client::connect(sys, "127.0.0.1", node.port());
  ASSERT_TRUE(c);
  auto r = c->submit(job{0, "echo", "alive", {}});
  EXPECT_EQ(r.status, job_status::ok) << r.error;
  EXPECT_EQ(r.output, "alive");
}

TEST_F(RemoteNode, ClientRunGivesOneResultPerJob) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = client::connect(sys, "127.0.0.1", node.port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 300; ++i) {
    const char* skill = i % 3 == 0 ? "echo" : i % 3 == 1 ? "fail" : "nope";
    jobs.push_back(job{0, skill, "in" + std::to_string(i), {}});
  }
  std::map<uint64_t, job_result> results;
  size_t calls = 0;
  c->run(jobs, 64, [&](job_result&& r, caf::timespan) {
    ++calls;
    results.emplace(r.id, std::move(r));
  });
  EXPECT_EQ(calls, 300u);
  ASSERT_EQ(results.size(), 300u);
  for (uint64_t i = 0; i < 300; ++i) {
    auto& r = results[i];
    auto expected = i % 3 == 0   ? job_status::ok
                    : i % 3 == 1 ? job_status::skill_error
                                 : job_status::unknown_skill;
    EXPECT_EQ(r.status, expected) << i << ": " << r.error;
    if (i % 3 == 0) {
      EXPECT_EQ(r.output, "in" + std::to_string(i));
    }
  }
}

TEST_F(RemoteNode, NodeLossEndsJobsInFlight) {
  auto node = std::make_unique<node_process>();
  ASSERT_TRUE(node->ready()) << node->log();
  auto c = client::connect(sys, "127.0.0.1", node->port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 8; ++i)
    jobs.push_back(job{0, "sleep", "10000", {}});
  std::map<uint64_t, job_status> statuses;
  std::thread killer([&] {
    // Kill once the node is busy with the jobs (bounded wait).
    for (int i = 0; i < 200; ++i) {
      auto st = run_troupe({"status", "--json", "--node", node->address()});
      if (st.out.find("\"in_flight\":8") != std::string::npos)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    node->stop(SIGKILL);
  });
  c->run(jobs, 8, [&](job_result&& r, caf::timespan) {
    statuses[r.id] = r.status;
  });
  killer.join();
  ASSERT_EQ(statuses.size(), 8u);
  for (auto& [id, st] : statuses)
    EXPECT_EQ(st, job_status::node_lost) << id;
}
