#include "node/client.hpp"

#include "messages/errors.hpp"
#include "messages/wire_codec.hpp"

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace troupe {

namespace {

// Jobs per submit message: large enough to amortize per-message cost, small
// enough that the first results come back quickly.
constexpr size_t max_batch = 128;

} // namespace

struct client::interrupt_state {
  std::mutex mtx;
  /// The blocking actor of the `run` in progress; null when none.
  caf::actor active;
  bool interrupted = false;
};

client::client(caf::actor_system& sys, gateway_actor gw, std::string host,
               uint16_t port, std::string address)
    : sys_(&sys), gateway_(std::move(gw)), host_(std::move(host)), port_(port),
      address_(std::move(address)),
      interrupt_(std::make_shared<interrupt_state>()) {
  // nop
}

void client::interrupt() {
  std::lock_guard<std::mutex> guard{interrupt_->mtx};
  interrupt_->interrupted = true;
  if (interrupt_->active)
    caf::anon_send(interrupt_->active, atom::cancel::value);
}

caf::expected<client> client::connect(caf::actor_system& sys,
                                      const std::string& host, uint16_t port) {
  auto address = host + ":" + std::to_string(port);
  auto gw = sys.middleman().remote_actor<gateway_actor>(host, port);
  if (!gw) {
    if (gw.error() == caf::sec::unexpected_actor_messaging_interface)
      return caf::make_error(error_code::protocol_mismatch,
                             "the service at " + address
                               + " is not a compatible troupe node");
    return caf::make_error(error_code::node_unreachable,
                           "cannot reach node " + address);
  }
  return client{sys, std::move(*gw), host, port, std::move(address)};
}

caf::expected<std::string> client::query(const std::string& request,
                                         caf::timespan timeout) {
  caf::scoped_actor self{*sys_};
  caf::expected<std::string> out{std::string{}};
  self->request(gateway_, timeout, atom::query::value, request)
    .receive(
      [&](std::string& resp) {
        out = std::move(resp);
      },
      [&](caf::error& err) {
        if (err == caf::sec::request_timeout)
          out = caf::make_error(error_code::timeout,
                                "node " + address_ + " did not answer in time");
        else
          out = caf::make_error(error_code::node_unreachable,
                                "cannot reach node " + address_ + ": "
                                  + describe(err));
      });
  return out;
}

namespace {

// The response to a query, when it is the kind the caller expects.
template <class T>
caf::expected<T> expect_response(caf::expected<std::string> resp) {
  if (!resp)
    return resp.error();
  auto decoded = wire_codec::decode_response(*resp);
  if (!decoded)
    return decoded.error();
  if (auto* x = std::get_if<T>(&*decoded))
    return std::move(*x);
  return caf::make_error(error_code::malformed_message,
                         std::string{"node answered with something else"});
}

} // namespace

caf::expected<skill_list> client::skills(caf::timespan timeout) {
  return expect_response<skill_list>(query(
    wire_codec::encode_query(wire_codec::query_kind::list_skills), timeout));
}

caf::expected<node_status> client::status(caf::timespan timeout) {
  return expect_response<node_status>(query(
    wire_codec::encode_query(wire_codec::query_kind::get_status), timeout));
}

caf::expected<breaker_status> client::breaker(const std::string& skill,
                                              breaker_command command,
                                              caf::timespan timeout) {
  return expect_response<breaker_status>(
    query(wire_codec::encode_breaker_query(skill, command), timeout));
}

caf::expected<std::string> client::crash(const std::string& path,
                                         caf::timespan timeout) {
  auto resp = query(wire_codec::encode_crash_query(path), timeout);
  if (!resp)
    return resp.error();
  auto decoded = wire_codec::decode_response(*resp);
  if (!decoded)
    return decoded.error();
  if (auto* x = std::get_if<wire_codec::acknowledgement>(&*decoded))
    return std::move(x->message);
  return caf::make_error(error_code::malformed_message,
                         std::string{"node answered with something else"});
}

// How long a client waits for a restarted gateway before it gives the node
// up, and how often it tries meanwhile.
constexpr auto reconnect_window = std::chrono::seconds(5);
constexpr auto reconnect_pause = std::chrono::milliseconds(50);

bool client::reconnect() {
  auto deadline = std::chrono::steady_clock::now() + reconnect_window;
  auto old = gateway_.address();
  while (std::chrono::steady_clock::now() < deadline) {
    auto gw = sys_->middleman().remote_actor<gateway_actor>(host_, port_);
    if (gw && gw->address() != old) {
      gateway_ = std::move(*gw);
      return true;
    }
    std::this_thread::sleep_for(reconnect_pause);
  }
  return false;
}

void client::run(std::vector<job> jobs, size_t concurrency,
                 const result_handler& on_result, caf::timespan default_timeout,
                 caf::timespan grace) {
  using clock = std::chrono::steady_clock;
  concurrency = std::max<size_t>(concurrency, 1);
  caf::scoped_actor self{*sys_};
  self->monitor(gateway_);
  auto sink = caf::actor_cast<client_sink_actor>(self.ptr());
  struct flight {
    clock::time_point deadline;
    clock::time_point sent;
  };
  // index -> every job in flight
  std::unordered_map<uint64_t, flight> in_flight;
  std::multimap<clock::time_point, uint64_t> by_deadline;
  size_t next = 0;
  auto answer = [&](uint64_t index, job_result r) {
    auto i = in_flight.find(index);
    if (i == in_flight.end())
      return; // duplicate or unknown: each job is answered once
    auto range = by_deadline.equal_range(i->second.deadline);
    for (auto k = range.first; k != range.second; ++k)
      if (k->second == index) {
        by_deadline.erase(k);
        break;
      }
    auto latency = std::chrono::duration_cast<caf::timespan>(clock::now()
                                                             - i->second.sent);
    in_flight.erase(i);
    r.id = index;
    on_result(std::move(r), latency);
  };
  auto fail_job = [&](uint64_t index, job_status st, std::string why) {
    job_result r;
    r.status = st;
    r.error = std::move(why);
    r.skill = jobs[index].skill;
    answer(index, std::move(r));
  };
  auto fail_in_flight = [&](job_status st, const std::string& why) {
    std::vector<uint64_t> all;
    for (auto& kv : in_flight)
      all.push_back(kv.first);
    for (auto index : all)
      fail_job(index, st, why);
  };
  auto fail_unsent = [&](job_status st, const std::string& why) {
    while (next < jobs.size()) {
      in_flight.emplace(next, flight{clock::now(), clock::now()});
      fail_job(next, st, why);
      ++next;
    }
  };
  // Sends jobs[first, last), at most max_batch per message.
  auto send_range = [&](size_t first, size_t last) {
    for (auto i = first; i < last; i += max_batch) {
      auto end = std::min(last, i + max_batch);
      self->send(gateway_, atom::submit::value,
                 wire_codec::encode_submit(jobs.data() + i, jobs.data() + end),
                 sink);
    }
  };
  auto refill = [&] {
    auto now = clock::now();
    auto first = next;
    while (next < jobs.size() && in_flight.size() < concurrency) {
      auto& j = jobs[next];
      j.id = next;
      auto timeout = j.options.timeout > caf::timespan{0} ? j.options.timeout
                                                          : default_timeout;
      auto deadline
        = now + std::chrono::duration_cast<clock::duration>(timeout + grace);
      in_flight.emplace(next, flight{deadline, now});
      by_deadline.emplace(deadline, next);
      ++next;
    }
    send_range(first, next);
  };
  // The gateway ended: a restarted one gets the jobs the old one never read
  // (it answered the rest before it ended); with no gateway to reach, every
  // job ends NODE_LOST.
  auto on_gateway_down = [&](const caf::error& reason) {
    if (reconnect()) {
      self->monitor(gateway_);
      std::vector<uint64_t> unread;
      for (auto& kv : in_flight)
        unread.push_back(kv.first);
      std::sort(unread.begin(), unread.end());
      for (auto index : unread)
        send_range(index, index + 1);
      return true;
    }
    auto why = "lost the connection to node " + address_ + " ("
               + describe(reason) + ")";
    fail_in_flight(job_status::node_lost, why);
    fail_unsent(job_status::node_lost, why);
    return false;
  };
  // After an interrupt: no more jobs go out, the node cancels those in
  // flight, and the run ends by this time at the latest.
  bool cancelling = false;
  auto cancel_deadline = clock::time_point::max();
  auto on_interrupt = [&] {
    if (cancelling)
      return;
    cancelling = true;
    cancel_deadline = clock::now() + cancel_grace;
    std::vector<uint64_t> ids;
    for (auto& kv : in_flight)
      ids.push_back(kv.first);
    if (!ids.empty())
      self->send(gateway_, atom::cancel::value, wire_codec::encode_cancel(ids),
                 sink);
    fail_unsent(job_status::cancelled, "interrupted before it was sent");
  };
  {
    std::lock_guard<std::mutex> guard{interrupt_->mtx};
    interrupt_->active = caf::actor_cast<caf::actor>(self.ptr());
    if (interrupt_->interrupted)
      self->send(self, atom::cancel::value);
  }
  refill();
  while (!in_flight.empty()) {
    auto until = std::min(by_deadline.begin()->first, cancel_deadline);
    auto wait = std::chrono::duration_cast<caf::timespan>(until - clock::now());
    if (wait < caf::timespan{0})
      wait = caf::timespan{0};
    bool lost = false;
    self->receive(
      [&](atom::results, const std::string& bytes) {
        auto results = wire_codec::decode_results(bytes);
        if (!results)
          return;
        for (auto& r : *results) {
          if (r.id == 0 && r.status == job_status::bad_input
              && in_flight.count(0) == 0) {
            // The node refused a whole batch: fail everything in flight.
            fail_in_flight(job_status::bad_input, r.error);
            continue;
          }
          answer(r.id, std::move(r));
        }
      },
      [&](caf::down_msg& dm) {
        if (dm.source == gateway_.address())
          lost = !on_gateway_down(dm.reason);
      },
      [&](atom::cancel) {
        on_interrupt();
      },
      caf::after(wait) >>
        [] {
          // deadline check below
        });
    if (lost)
      break;
    auto now = clock::now();
    if (now >= cancel_deadline) {
      fail_in_flight(job_status::cancelled,
                     "interrupted; node " + address_
                       + " did not confirm the cancellation in time");
      break;
    }
    while (!by_deadline.empty() && by_deadline.begin()->first <= now)
      fail_job(by_deadline.begin()->second, job_status::timeout,
               "no answer from node " + address_ + " before the deadline");
    if (!cancelling)
      refill();
  }
  std::lock_guard<std::mutex> guard{interrupt_->mtx};
  interrupt_->active = nullptr;
}

job_result client::submit(job j, caf::timespan default_timeout) {
  job_result out;
  std::vector<job> jobs;
  jobs.push_back(std::move(j));
  run(
    std::move(jobs), 1,
    [&](job_result&& r, caf::timespan) {
      out = std::move(r);
    },
    default_timeout);
  out.id = 0;
  return out;
}

} // namespace troupe
