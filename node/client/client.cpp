#include "node/client/client.hpp"

#include "config/node_config.hpp"
#include "messages/errors.hpp"
#include "messages/wire/client_codec.hpp"

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace troupe::client {

namespace {

// What a job adds to a submit message, roughly: payload plus framing.
size_t wire_size(const job& j) {
  return j.input.size() + j.skill.size() + 64;
}

// Connects to the gateway at host:port through the middleman actor, so that
// the wait is bounded: CAF 0.17's `remote_actor` has no timeout and waits
// forever for a peer that accepts the connection but never completes the
// handshake.
caf::expected<gateway_actor>
connect_gateway(caf::actor_system& sys, const std::string& host, uint16_t port,
                caf::timespan timeout) {
  auto address = host + ":" + std::to_string(port);
  caf::scoped_actor self{sys};
  caf::expected<gateway_actor> out{gateway_actor{}};
  self
    ->request(sys.middleman().actor_handle(), timeout, caf::connect_atom::value,
              host, port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>& ifs) {
        if (!ptr || !sys.assignable<gateway_actor>(ifs))
          out = caf::make_error(error_code::protocol_mismatch,
                                "the service at " + address
                                  + " is not a compatible troupe node");
        else
          out = caf::actor_cast<gateway_actor>(std::move(ptr));
      },
      [&](caf::error& err) {
        if (err == caf::sec::request_timeout)
          out = caf::make_error(error_code::node_unreachable,
                                "cannot reach node " + address
                                  + " (no handshake within "
                                  + config::duration_text(timeout) + ")");
        else
          out = caf::make_error(error_code::node_unreachable,
                                "cannot reach node " + address + " ("
                                  + sys.render(err) + ")");
      });
  return out;
}

} // namespace

struct client::interrupt_state {
  std::mutex mtx;
  /// The blocking actor of the `run` in progress; null when none.
  caf::actor active;
  bool interrupted = false;
};

client::client(caf::actor_system& sys, gateway_actor gw, std::string host,
               uint16_t port, std::string address,
               caf::timespan connect_timeout)
    : sys_(&sys), gateway_(std::move(gw)), host_(std::move(host)), port_(port),
      address_(std::move(address)), connect_timeout_(connect_timeout),
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
                                      const std::string& host, uint16_t port,
                                      caf::timespan timeout) {
  auto gw = connect_gateway(sys, host, port, timeout);
  if (!gw)
    return gw.error();
  return client{
    sys,    std::move(*gw), host, port, host + ":" + std::to_string(port),
    timeout};
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
  auto decoded = wire::client_codec::decode_response(*resp);
  if (!decoded)
    return decoded.error();
  if (auto* x = std::get_if<T>(&*decoded))
    return std::move(*x);
  return caf::make_error(error_code::malformed_message,
                         std::string{"node answered with something else"});
}

} // namespace

caf::expected<skill_list> client::skills(caf::timespan timeout) {
  return expect_response<skill_list>(
    query(wire::client_codec::encode_query(
            wire::client_codec::query_kind::list_skills),
          timeout));
}

caf::expected<node_status> client::status(caf::timespan timeout) {
  return expect_response<node_status>(
    query(wire::client_codec::encode_query(
            wire::client_codec::query_kind::get_status),
          timeout));
}

caf::expected<breaker_status> client::breaker(const std::string& skill,
                                              breaker_command command,
                                              caf::timespan timeout) {
  return expect_response<breaker_status>(
    query(wire::client_codec::encode_breaker_query(skill, command), timeout));
}

caf::expected<std::string> client::crash(const std::string& path,
                                         caf::timespan timeout) {
  auto resp = query(wire::client_codec::encode_crash_query(path), timeout);
  if (!resp)
    return resp.error();
  auto decoded = wire::client_codec::decode_response(*resp);
  if (!decoded)
    return decoded.error();
  if (auto* x = std::get_if<wire::client_codec::acknowledgement>(&*decoded))
    return std::move(x->message);
  return caf::make_error(error_code::malformed_message,
                         std::string{"node answered with something else"});
}

// How long a client waits for a restarted gateway before it gives the node
// up, and how often it tries meanwhile.
constexpr auto reconnect_window = std::chrono::seconds(5);
constexpr auto reconnect_pause = std::chrono::milliseconds(50);

bool client::reconnect() {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + reconnect_window;
  auto old = gateway_.address();
  for (auto now = clock::now(); now < deadline; now = clock::now()) {
    // Each attempt is bounded too: a node that stopped answering must not
    // hold the client past the window.
    auto left = std::chrono::duration_cast<caf::timespan>(deadline - now);
    auto gw = connect_gateway(*sys_, host_, port_,
                              std::min(left, connect_timeout_));
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
    /// The submit message that carried the job, for a refusal naming it.
    uint64_t batch = 0;
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
  // Sends jobs[first, last) in messages bounded by count and bytes; each
  // message gets its own id, which a refusal names.
  uint64_t next_batch = 1;
  auto send_range = [&](size_t first, size_t last) {
    auto i = first;
    while (i < last) {
      auto end = i;
      size_t bytes = 0;
      while (end < last && end - i < max_batch_jobs
             && (end == i || bytes + wire_size(jobs[end]) <= max_batch_bytes))
        bytes += wire_size(jobs[end++]);
      auto batch = next_batch++;
      for (auto k = i; k < end; ++k)
        if (auto f = in_flight.find(k); f != in_flight.end())
          f->second.batch = batch;
      self->send(gateway_, atom::submit::value,
                 wire::client_codec::encode_submit(jobs.data() + i,
                                                   jobs.data() + end, batch),
                 sink);
      i = end;
    }
  };
  // The node refused a whole message: exactly the jobs it carried fail.
  auto on_refusal = [&](const wire::client_codec::batch_refusal& x) {
    std::vector<uint64_t> refused;
    for (auto& [index, f] : in_flight)
      if (f.batch == x.batch_id)
        refused.push_back(index);
    auto why = refused.size() == 1
                 ? "node " + address_ + " refused the job: " + x.error
                 : "node " + address_
                     + " refused the message carrying the "
                       "job: "
                     + x.error;
    for (auto index : refused)
      fail_job(index, x.status, why);
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
    // A broken connection means the node is gone (or cut off): its jobs
    // may have run, and a node at the same address later is another node.
    // Only a gateway that ended while its node stays reachable (a restart)
    // is worth reconnecting to.
    if (reason != caf::exit_reason::remote_link_unreachable && reconnect()) {
      self->monitor(gateway_);
      std::vector<uint64_t> unread;
      for (auto& kv : in_flight)
        unread.push_back(kv.first);
      std::sort(unread.begin(), unread.end());
      for (auto index : unread)
        send_range(index, index + 1);
      return true;
    }
    auto lost = "lost the connection to node " + address_ + " ("
                + describe(reason) + ")";
    fail_in_flight(job_status::node_lost,
                   lost
                     + "; the job was sent and may have run: resubmit it "
                       "if running it twice is safe");
    fail_unsent(job_status::node_lost, lost + " before the job was sent");
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
      self->send(gateway_, atom::cancel::value,
                 wire::client_codec::encode_cancel(ids), sink);
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
        auto batch = wire::client_codec::decode_results(bytes);
        if (!batch)
          return;
        for (auto& r : batch->results)
          answer(r.id, std::move(r));
        for (auto& x : batch->refusals)
          on_refusal(x);
      },
      [](atom::ping) {
        // A stopping node checks that its last results arrived.
        return atom::ping::value;
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

} // namespace troupe::client
