// Speaks the wire protocol to a real node process directly, the way any
// client library would, including bytes no troupe client would send.
#include "messages/errors.hpp"
#include "messages/wire/client_codec.hpp"
#include "node/client/client.hpp"
#include "node/spawn/system_config.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/silent_listener.hpp"

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

  node::system_config cfg;
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
    self->send(gw, atom::submit::value,
               wire::client_codec::encode_submit(batch), sink);
  }
  std::map<uint64_t, int> seen;
  size_t received = 0;
  bool timed_out = false;
  while (received < 1000 && !timed_out) {
    self->receive(
      [&](atom::results, const std::string& bytes) {
        auto batch = wire::client_codec::decode_results(bytes);
        ASSERT_TRUE(batch);
        EXPECT_TRUE(batch->refusals.empty());
        for (auto& r : batch->results) {
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
              wire::client_codec::encode_query(
                wire::client_codec::query_kind::get_status))
    .receive([](std::string&) {}, [](caf::error&) {});
  bool drained = false;
  while (!drained)
    self->receive(
      [&](atom::results, const std::string& bytes) {
        auto batch = wire::client_codec::decode_results(bytes);
        if (!batch)
          return;
        for (auto& r : batch->results) {
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
  // Named batch 7 (the id comes first), the rest garbage.
  self->send(gw, atom::submit::value, std::string{"\x18\x07\xff\xff garbage"},
             sink);
  bool refused = false;
  self->receive(
    [&](atom::results, const std::string& bytes) {
      auto batch = wire::client_codec::decode_results(bytes);
      ASSERT_TRUE(batch);
      EXPECT_TRUE(batch->results.empty());
      ASSERT_EQ(batch->refusals.size(), 1u);
      auto& x = batch->refusals[0];
      EXPECT_EQ(x.batch_id, 7u);
      EXPECT_EQ(x.status, job_status::bad_input);
      EXPECT_NE(x.error.find("SubmitBatch"), std::string::npos) << x.error;
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
  auto decoded = wire::client_codec::decode_response(answer);
  ASSERT_FALSE(decoded);
  // A message the gateway's interface does not have is dropped silently.
  caf::anon_send(caf::actor_cast<caf::actor>(gw), std::string{"hello"}, 42);
  auto c = client::client::connect(sys, "127.0.0.1", node.port());
  ASSERT_TRUE(c);
  auto r = c->submit(job{0, "echo", "alive", {}});
  EXPECT_EQ(r.status, job_status::ok) << r.error;
  EXPECT_EQ(r.output, "alive");
}

TEST_F(RemoteNode, ClientRunGivesOneResultPerJob) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = client::client::connect(sys, "127.0.0.1", node.port());
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
  auto c = client::client::connect(sys, "127.0.0.1", node->port());
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

// The CLI client numbers its jobs from 0; a node used to answer a batch it
// could not take (over its message limit) as "job 0", leaving the other
// jobs of the batch to time out. Now the client sends messages far below
// any node's limit, each job too large for the node fails alone, and a
// refusal names the message it refuses.
TEST_F(RemoteNode, OversizedJobsFailAloneAndNoneTimesOut) {
  node_process node{{"--max-job-bytes", "8KiB"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = client::client::connect(sys, "127.0.0.1", node.port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 200; ++i) {
    job j{0, "echo", std::string(9000, 'x'), {}};
    // Short, so that a regression ends in TIMEOUT rather than a hang.
    j.options.timeout = std::chrono::seconds(3);
    jobs.push_back(std::move(j));
  }
  // Larger than the node's message limit (1 MiB plus 8 KiB): only this one
  // is refused as a message; its neighbours are not touched.
  jobs[57].input = std::string(2 * 1024 * 1024, 'y');
  jobs[58].input = "small";
  std::map<uint64_t, job_result> results;
  c->run(jobs, 256, [&](job_result&& r, caf::timespan) {
    EXPECT_EQ(results.count(r.id), 0u) << "job " << r.id << " answered twice";
    results.emplace(r.id, std::move(r));
  });
  ASSERT_EQ(results.size(), 200u);
  for (auto& [id, r] : results) {
    SCOPED_TRACE("job " + std::to_string(id));
    if (id == 58) {
      EXPECT_EQ(r.status, job_status::ok) << r.error;
    } else {
      EXPECT_EQ(r.status, job_status::bad_input) << r.error;
    }
  }
  EXPECT_NE(results[0].error.find("max-job-bytes"), std::string::npos)
    << results[0].error;
  EXPECT_NE(results[57].error.find("refused the job"), std::string::npos)
    << results[57].error;
  EXPECT_NE(results[57].error.find("exceeds the limit of node"),
            std::string::npos)
    << results[57].error;
}

// A skill's error text that is not UTF-8 (`fail` echoes its input) used to
// make the whole ResultBatch unreadable for the client: its neighbours
// then timed out too.
TEST_F(RemoteNode, AResultWithBadTextDoesNotSinkItsBatch) {
  node_process node{{"--test-skills"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto c = client::client::connect(sys, "127.0.0.1", node.port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 50; ++i) {
    job j{0, "echo", "in" + std::to_string(i), {}};
    j.options.timeout = std::chrono::seconds(2);
    jobs.push_back(std::move(j));
  }
  jobs[10].skill = "fail";
  jobs[10].input = "bad \xff byte";
  jobs[20].skill = "ec\xffho"; // a skill name that is not UTF-8 at all
  std::map<uint64_t, job_result> results;
  c->run(jobs, 64, [&](job_result&& r, caf::timespan) {
    results.emplace(r.id, std::move(r));
  });
  ASSERT_EQ(results.size(), 50u);
  for (auto& [id, r] : results) {
    SCOPED_TRACE("job " + std::to_string(id));
    if (id == 10) {
      EXPECT_EQ(r.status, job_status::skill_error) << r.error;
      EXPECT_EQ(r.error, "bad \xef\xbf\xbd byte");
    } else if (id == 20) {
      EXPECT_EQ(r.status, job_status::bad_input) << r.error;
      EXPECT_NE(r.error.find("not valid UTF-8"), std::string::npos) << r.error;
    } else {
      EXPECT_EQ(r.status, job_status::ok) << r.error;
    }
  }
}

// A node that died took its jobs with it: they end NODE_LOST at once (the
// connection broke), and are not sent again to whatever listens at that
// address next: a new node there is another node, and the jobs may already
// have run on the dead one.
TEST_F(RemoteNode, JobsOfAKilledNodeEndNodeLostAndAreNotResentToItsSuccessor) {
  auto port = std::to_string(unused_port());
  auto node = std::make_unique<node_process>(
    std::vector<std::string>{"--test-skills", "--port", port});
  ASSERT_TRUE(node->ready()) << node->log();
  auto c = client::client::connect(sys, "127.0.0.1", node->port());
  ASSERT_TRUE(c);
  std::vector<job> jobs;
  for (int i = 0; i < 4; ++i) {
    job j{0, "slow", "20000", {}};
    j.options.timeout = std::chrono::minutes(5);
    jobs.push_back(std::move(j));
  }
  std::unique_ptr<node_process> successor;
  std::thread killer([&] {
    for (int i = 0; i < 200; ++i) {
      auto st = run_troupe({"status", "--json", "--node", node->address()});
      if (st.out.find("\"in_flight\":4") != std::string::npos)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    node->stop(SIGKILL);
    // A new node takes the address at once.
    successor = std::make_unique<node_process>(
      std::vector<std::string>{"--test-skills", "--port", port});
  });
  std::map<uint64_t, job_result> results;
  c->run(jobs, 4, [&](job_result&& r, caf::timespan) {
    results.emplace(r.id, std::move(r));
  });
  killer.join();
  ASSERT_EQ(results.size(), 4u);
  for (auto& [id, r] : results) {
    EXPECT_EQ(r.status, job_status::node_lost) << id << ": " << r.error;
    EXPECT_NE(r.error.find("may have run"), std::string::npos) << r.error;
  }
  ASSERT_TRUE(successor && successor->ready());
  auto st = run_troupe({"status", "--json", "--node", successor->address()});
  EXPECT_NE(st.out.find("\"in_flight\":0"), std::string::npos) << st.out;
}

// CAF 0.17's remote_actor waits forever for a peer that accepts the TCP
// connection but never completes the handshake; connect gives up after its
// timeout, and the actor system still shuts down promptly afterwards.
TEST(ClientConnect, GivesUpOnAPeerThatNeverAnswers) {
  silent_listener silent;
  ASSERT_NE(silent.port(), 0);
  node::system_config cfg;
  caf::actor_system sys{cfg};
  auto c = client::client::connect(sys, "127.0.0.1", silent.port(),
                                   std::chrono::milliseconds(500));
  ASSERT_FALSE(c);
  auto text = message_of(c.error());
  EXPECT_NE(
    text.find("cannot reach node 127.0.0.1:" + std::to_string(silent.port())),
    std::string::npos)
    << text;
  EXPECT_NE(text.find("no handshake within 500 ms"), std::string::npos) << text;
  // A second attempt to the same peer is bounded as well.
  EXPECT_FALSE(client::client::connect(sys, "127.0.0.1", silent.port(),
                                       std::chrono::milliseconds(200)));
}
