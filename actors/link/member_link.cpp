#include "actors/link/member_link.hpp"

#include "actors/link/member_checks.hpp"
#include "actors/log/logging.hpp"
#include "messages/detached.hpp"
#include "messages/errors.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>

#include <algorithm>

namespace troupe::link {

namespace {

using link_ptr = member_link_actor::stateful_pointer<member_link_state>;
using clock_type = std::chrono::steady_clock;

uint64_t millis_of(caf::timespan x) {
  return static_cast<uint64_t>(std::max<int64_t>(
    0, std::chrono::duration_cast<std::chrono::milliseconds>(x).count()));
}

/// A sink of the peer, as this node's gateway sees it: results go back
/// over the link with the sink's number; a delivery check is answered once
/// the peer answered a ping sent after them.
caf::behavior relay(caf::event_based_actor* self, member_link_actor link,
                    uint32_t number) {
  return {
    [=](atom::results, std::string& bytes) {
      self->send(link, atom::results::value, number, std::move(bytes));
    },
    [=](atom::ping) {
      return self->delegate(link, atom::ping::value);
    },
  };
}

/// Sends a call to the peer; `answer` gets its answer, `fail` a sentence
/// when the link ends first or nothing comes in time.
void call(link_ptr self, mv1::Call c, caf::timespan wait,
          std::function<void(mv1::Answer&)> answer,
          std::function<void(const std::string&)> fail) {
  auto& st = self->state;
  auto now = clock_type::now();
  // Calls whose callers gave up long ago (a hung peer answers nothing).
  for (auto i = st.calls.begin(); i != st.calls.end();) {
    if (i->second.deadline < now) {
      i->second.fail("member " + st.cfg.peer + " did not answer in time");
      i = st.calls.erase(i);
    } else {
      ++i;
    }
  }
  auto id = st.next_call++;
  c.set_id(id);
  c.set_timeout_ms(millis_of(wait));
  mv1::Frame f;
  *f.mutable_call() = std::move(c);
  if (!st.stream->send(std::move(f))) {
    fail("the link to member " + st.cfg.peer + " is closed");
    return;
  }
  st.calls.emplace(
    id, member_link_state::pending_call{now + wait + st.cfg.call_grace,
                                        std::move(answer), std::move(fail)});
}

void send_answer(link_ptr self, mv1::Answer&& a) {
  mv1::Frame f;
  *f.mutable_answer() = std::move(a);
  self->state.stream->send(std::move(f));
}

void answer_error(link_ptr self, uint64_t id, std::string why) {
  mv1::Answer a;
  a.set_id(id);
  a.set_error(std::move(why));
  send_answer(self, std::move(a));
}

uint32_t number_of(link_ptr self, const client_sink_actor& sink) {
  auto& st = self->state;
  auto [i, added] = st.sink_numbers.emplace(
    sink.address(), static_cast<uint32_t>(st.sinks.size()));
  if (added)
    st.sinks.push_back(sink);
  return i->second;
}

client_sink_actor relay_of(link_ptr self, uint32_t number) {
  auto& st = self->state;
  auto i = st.relays.find(number);
  if (i == st.relays.end())
    i = st.relays
          .emplace(number,
                   self->spawn<caf::linked>(
                     relay, caf::actor_cast<member_link_actor>(self), number))
          .first;
  return caf::actor_cast<client_sink_actor>(i->second);
}

void send_batch(link_ptr self, uint32_t number, std::string&& body,
                mv1::Batch* (mv1::Frame::*field)()) {
  mv1::Frame f;
  auto* b = (f.*field)();
  b->set_sink(number);
  b->set_body(std::move(body));
  auto jobs = field == &mv1::Frame::mutable_submit;
  self->state.stream->send(std::move(f), jobs);
}

void on_call(link_ptr self, mv1::Call& c) {
  auto& st = self->state;
  auto id = c.id();
  auto wait = std::chrono::duration_cast<caf::timespan>(
    std::chrono::milliseconds{std::min<uint64_t>(c.timeout_ms(), 600'000)});
  switch (c.kind_case()) {
    case mv1::Call::kCluster: {
      if (auto why = sender_problem(st.cfg.peer, c.cluster()); !why.empty()) {
        log::cluster().warn("link {}: {}; refused", st.cfg.peer, why);
        return answer_error(self, id, why);
      }
      self->request(st.cfg.gateway, wait, atom::cluster::value, c.cluster())
        .then(
          [self, id](std::string& reply) {
            mv1::Answer a;
            a.set_id(id);
            a.set_cluster(std::move(reply));
            send_answer(self, std::move(a));
          },
          [self, id](caf::error& err) {
            answer_error(self, id, message_of(err));
          });
      return;
    }
    case mv1::Call::kGet: {
      // Only jobs held here: the asking member asks their holders itself.
      auto& g = c.get();
      auto x = detached_id::parse(g.id());
      if (!x || x->holder != st.cfg.node_name) {
        mv1::Answer a;
        a.set_id(id);
        a.mutable_state()->set_state(
          static_cast<int32_t>(detached_state::unknown));
        return send_answer(self, std::move(a));
      }
      auto job_wait = std::chrono::duration_cast<caf::timespan>(
        std::chrono::milliseconds{std::min<uint64_t>(g.wait_ms(), 600'000)});
      self
        ->request(st.cfg.gateway, job_wait + st.cfg.call_grace,
                  atom::get::value, g.owner(), g.id(), job_wait)
        .then(
          [self, id](int32_t state, std::string& result) {
            mv1::Answer a;
            a.set_id(id);
            a.mutable_state()->set_state(state);
            a.mutable_state()->set_result(std::move(result));
            send_answer(self, std::move(a));
          },
          [self, id](caf::error& err) {
            answer_error(self, id, message_of(err));
          });
      return;
    }
    case mv1::Call::kCancel: {
      std::vector<std::string> here;
      for (auto& jid : c.cancel().ids()) {
        auto x = detached_id::parse(jid);
        if (x && x->holder == st.cfg.node_name)
          here.push_back(jid);
      }
      if (here.empty()) {
        mv1::Answer a;
        a.set_id(id);
        a.set_cancelled(0);
        return send_answer(self, std::move(a));
      }
      self
        ->request(st.cfg.gateway, wait, atom::cancel::value, c.cancel().owner(),
                  std::move(here))
        .then(
          [self, id](uint32_t n) {
            mv1::Answer a;
            a.set_id(id);
            a.set_cancelled(n);
            send_answer(self, std::move(a));
          },
          [self, id](caf::error& err) {
            answer_error(self, id, message_of(err));
          });
      return;
    }
    case mv1::Call::kPing: {
      // Everything the peer sent before the ping was read before it.
      mv1::Answer a;
      a.set_id(id);
      a.mutable_pong();
      return send_answer(self, std::move(a));
    }
    default:
      return answer_error(self, id, "unknown call");
  }
}

void on_answer(link_ptr self, mv1::Answer& a) {
  auto& st = self->state;
  auto i = st.calls.find(a.id());
  if (i == st.calls.end())
    return; // expired, or not a call of ours
  auto pending = std::move(i->second);
  st.calls.erase(i);
  if (a.kind_case() == mv1::Answer::kError)
    pending.fail(a.error());
  else
    pending.answer(a);
}

/// Ends the link: what waits for the peer fails, and the stream closes.
void end_link(link_ptr self, caf::error reason) {
  auto& st = self->state;
  auto calls = std::move(st.calls);
  st.calls.clear();
  auto why = st.why.empty() ? std::string{"the link ended"} : st.why;
  for (auto& [id, c] : calls)
    c.fail("the link to member " + st.cfg.peer + " broke (" + why + ")");
  self->quit(std::move(reason));
}

/// Ends the link with a peer that broke the protocol: it is not one.
void out_of_protocol(link_ptr self, std::string why) {
  auto& st = self->state;
  st.why = "member " + st.cfg.peer + " " + std::move(why);
  log::cluster().warn("link {}: {}; closing the link", st.cfg.peer, st.why);
  st.stream->close(grpc::StatusCode::INVALID_ARGUMENT, st.why);
  end_link(self, caf::exit_reason::remote_link_unreachable);
}

void on_frame(link_ptr self, mv1::Frame& f) {
  auto& st = self->state;
  // Each sink of the peer costs a relay here: a peer that numbers more of
  // them than any node has batchers is not a troupe member.
  auto batch = f.kind_case() == mv1::Frame::kSubmit
               || f.kind_case() == mv1::Frame::kCancel;
  auto sink = f.kind_case() == mv1::Frame::kSubmit ? f.submit().sink()
                                                   : f.cancel().sink();
  if (batch && st.relays.count(sink) == 0
      && st.relays.size() >= st.cfg.max_peer_sinks)
    return out_of_protocol(self, "sent from more than "
                                   + std::to_string(st.cfg.max_peer_sinks)
                                   + " sinks");
  switch (f.kind_case()) {
    case mv1::Frame::kSubmit:
      self->send(st.cfg.gateway, atom::submit::value,
                 std::move(*f.mutable_submit()->mutable_body()),
                 relay_of(self, f.submit().sink()));
      return;
    case mv1::Frame::kCancel:
      self->send(st.cfg.gateway, atom::cancel::value,
                 std::move(*f.mutable_cancel()->mutable_body()),
                 relay_of(self, f.cancel().sink()));
      return;
    case mv1::Frame::kResults: {
      auto n = f.results().sink();
      if (n < st.sinks.size())
        self->send(st.sinks[n], atom::results::value,
                   std::move(*f.mutable_results()->mutable_body()));
      return;
    }
    case mv1::Frame::kCall:
      return on_call(self, *f.mutable_call());
    case mv1::Frame::kAnswer:
      return on_answer(self, *f.mutable_answer());
    default:
      // A second hello, or a kind this build does not know: the peer does
      // not speak this protocol.
      return out_of_protocol(self, "sent a frame out of protocol");
  }
}

} // namespace

gateway_actor as_gateway(const member_link_actor& link) {
  return caf::actor_cast<gateway_actor>(link);
}

member_link_state::~member_link_state() {
  if (stream)
    stream->close(grpc::StatusCode::CANCELLED, "the link ended");
}

member_link_actor::behavior_type
member_link(member_link_actor::stateful_pointer<member_link_state> self,
            member_stream_ptr stream, member_link_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.stream = std::move(stream);
  return {
    [self](atom::submit, std::string& batch, const client_sink_actor& sink) {
      send_batch(self, number_of(self, sink), std::move(batch),
                 &mv1::Frame::mutable_submit);
    },
    [self](atom::cancel, std::string& bytes, const client_sink_actor& sink) {
      send_batch(self, number_of(self, sink), std::move(bytes),
                 &mv1::Frame::mutable_cancel);
    },
    [self](atom::cluster, std::string& bytes) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      mv1::Call c;
      c.set_cluster(std::move(bytes));
      call(
        self, std::move(c), std::chrono::seconds(10),
        [rp](mv1::Answer& a) mutable {
          if (a.kind_case() == mv1::Answer::kCluster)
            rp.deliver(std::move(*a.mutable_cluster()));
          else
            rp.deliver(caf::make_error(error_code::malformed_message,
                                       "a membership call got another answer"));
        },
        [rp](const std::string& why) mutable {
          rp.deliver(caf::make_error(error_code::node_unreachable, why));
        });
      return rp;
    },
    [self](atom::get, std::string& owner, std::string& id,
           caf::timespan wait) -> caf::result<int32_t, std::string> {
      auto rp = self->make_response_promise<int32_t, std::string>();
      mv1::Call c;
      auto* g = c.mutable_get();
      g->set_owner(std::move(owner));
      g->set_id(std::move(id));
      g->set_wait_ms(millis_of(wait));
      call(
        self, std::move(c), wait,
        [rp](mv1::Answer& a) mutable {
          if (a.kind_case() == mv1::Answer::kState)
            rp.deliver(a.state().state(),
                       std::move(*a.mutable_state()->mutable_result()));
          else
            rp.deliver(caf::make_error(error_code::malformed_message,
                                       "a lookup got another answer"));
        },
        [rp](const std::string& why) mutable {
          rp.deliver(caf::make_error(error_code::node_unreachable, why));
        });
      return rp;
    },
    [self](atom::cancel, std::string& owner,
           std::vector<std::string>& ids) -> caf::result<uint32_t> {
      auto rp = self->make_response_promise<uint32_t>();
      mv1::Call c;
      auto* x = c.mutable_cancel();
      x->set_owner(std::move(owner));
      for (auto& id : ids)
        x->add_ids(std::move(id));
      call(
        self, std::move(c), std::chrono::seconds(10),
        [rp](mv1::Answer& a) mutable {
          rp.deliver(a.kind_case() == mv1::Answer::kCancelled ? a.cancelled()
                                                              : 0u);
        },
        [rp](const std::string& why) mutable {
          rp.deliver(caf::make_error(error_code::node_unreachable, why));
        });
      return rp;
    },
    [self](const frame_ptr& f) {
      if (f)
        on_frame(self, *f);
    },
    [self](atom::leave, std::string& why) {
      self->state.why = std::move(why);
      log::cluster().info("link {}: the stream ended: {}", self->state.cfg.peer,
                          self->state.why);
      end_link(self, caf::exit_reason::remote_link_unreachable);
    },
    [self](atom::results, uint32_t number, std::string& bytes) {
      send_batch(self, number, std::move(bytes), &mv1::Frame::mutable_results);
    },
    [self](atom::ping) -> caf::result<atom::ping> {
      auto rp = self->make_response_promise<atom::ping>();
      mv1::Call c;
      c.mutable_ping();
      call(
        self, std::move(c), std::chrono::seconds(10),
        [rp](mv1::Answer&) mutable {
          rp.deliver(atom::ping::value);
        },
        [rp](const std::string& why) mutable {
          rp.deliver(caf::make_error(error_code::node_unreachable, why));
        });
      return rp;
    },
    [self](atom::stop, std::string& why) {
      self->state.why = why;
      self->state.stream->close(grpc::StatusCode::ALREADY_EXISTS, why);
      end_link(self, caf::exit_reason::user_shutdown);
    },
  };
}

} // namespace troupe::link
