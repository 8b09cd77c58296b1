#include "actors/gateway.hpp"

#include "config/logging.hpp"
#include "messages/cluster_codec.hpp"
#include "messages/errors.hpp"
#include "messages/wire_codec.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <unordered_set>

namespace troupe {

namespace {

using gateway_ptr = gateway_actor::stateful_pointer<gateway_state>;

void refuse_batch(gateway_ptr self, const client_sink_actor& client,
                  const std::string& why) {
  log::actors().debug("gateway: refused a submit batch: {}", why);
  job_result r;
  r.status = job_status::bad_input;
  r.error = why;
  r.node = self->state.cfg.node_name;
  if (self->state.cfg.metrics)
    self->state.cfg.metrics->record("-", r.status, caf::timespan{0});
  self->send(client, atom::results::value,
             wire_codec::encode_results({std::move(r)}));
}

void on_submit(gateway_ptr self, const std::string& bytes,
               const client_sink_actor& client) {
  auto& st = self->state;
  if (!client)
    return;
  if (bytes.size() > st.cfg.max_message_bytes) {
    refuse_batch(self, client,
                 "submit batch of " + std::to_string(bytes.size())
                   + " bytes exceeds the node's message limit of "
                   + std::to_string(st.cfg.max_message_bytes) + " bytes");
    return;
  }
  auto jobs = wire_codec::decode_submit(bytes);
  if (!jobs) {
    refuse_batch(self, client, message_of(jobs.error()));
    return;
  }
  auto sink = caf::actor_cast<result_sink_actor>(self);
  auto known = st.clients.find(client.address());
  if (known == st.clients.end()) {
    self->monitor(client);
    known = st.clients.emplace(client.address(), 0).first;
  }
  known->second += jobs->size();
  for (auto& j : *jobs) {
    auto id = st.next_id++;
    st.waiting.emplace(id, gateway_state::waiter{client, j.id});
    j.id = id;
    self->send(st.router, std::move(j), sink);
  }
}

void flush(gateway_ptr self);

void on_result(gateway_ptr self, job_result& r) {
  auto& st = self->state;
  auto i = st.waiting.find(r.id);
  if (i == st.waiting.end())
    return;
  r.id = i->second.client_id;
  auto addr = i->second.client.address();
  if (auto c = st.clients.find(addr); c != st.clients.end() && c->second > 0)
    --c->second;
  auto& box = st.outboxes[addr];
  if (!box.client)
    box.client = std::move(i->second.client);
  box.results.push_back(std::move(r));
  st.waiting.erase(i);
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    // Nothing else waiting: no result can join this one, send it now.
    if (self->mailbox().empty())
      flush(self);
    else
      self->send(self, atom::flush::value);
  }
}

// The gateway ids of `client`'s waiting jobs; with `ids`, only those the
// client gave these ids.
std::vector<uint64_t> jobs_of(gateway_ptr self, const caf::actor_addr& client,
                              const std::unordered_set<uint64_t>* ids) {
  std::vector<uint64_t> out;
  for (auto& [id, w] : self->state.waiting)
    if (w.client.address() == client
        && (ids == nullptr || ids->count(w.client_id) > 0))
      out.push_back(id);
  return out;
}

void cancel(gateway_ptr self, std::vector<uint64_t> ids) {
  if (ids.empty())
    return;
  log::actors().debug("gateway: cancelling {} jobs", ids.size());
  self->send(self->state.router, atom::cancel::value, std::move(ids),
             caf::actor_cast<result_sink_actor>(self));
}

// A client asked to cancel some of its jobs: they end CANCELLED, and the
// client gets those results as usual.
void on_cancel(gateway_ptr self, const std::string& bytes,
               const client_sink_actor& client) {
  auto ids = wire_codec::decode_cancel(bytes);
  if (!ids || !client) {
    log::actors().debug("gateway: dropped a malformed cancel request");
    return;
  }
  std::unordered_set<uint64_t> wanted{ids->begin(), ids->end()};
  cancel(self, jobs_of(self, client.address(), &wanted));
}

// A client went away: nobody wants its jobs' results any more.
void on_client_down(gateway_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto i = st.clients.find(dm.source);
  if (i == st.clients.end())
    return;
  auto outstanding = i->second;
  st.clients.erase(i);
  st.outboxes.erase(dm.source);
  if (outstanding == 0)
    return;
  auto ids = jobs_of(self, dm.source, nullptr);
  for (auto id : ids)
    st.waiting.erase(id);
  log::actors().debug("gateway: a client went away with {} jobs left",
                      ids.size());
  cancel(self, std::move(ids));
}

void flush(gateway_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  auto& lim = st.cfg.result_batch;
  for (auto& [addr, box] : st.outboxes) {
    // Bounded messages: a burst of results leaves in several batches.
    auto first = box.results.begin();
    while (first != box.results.end()) {
      size_t bytes = 0;
      auto last = first;
      while (last != box.results.end()
             && static_cast<size_t>(last - first) < lim.max_count
             && (last == first
                 || bytes + last->output.size() + last->error.size() + 64
                      <= lim.max_bytes)) {
        bytes += last->output.size() + last->error.size() + 64;
        ++last;
      }
      self->send(box.client, atom::results::value,
                 wire_codec::encode_results(&*first, &*first + (last - first)));
      first = last;
    }
    box.results.clear();
  }
  // Keep the map small when many short-lived clients come and go.
  if (st.outboxes.size() > 64)
    st.outboxes.clear();
}

} // namespace

gateway_actor::behavior_type
gateway(gateway_actor::stateful_pointer<gateway_state> self, gateway_config cfg,
        router_actor router) {
  self->state.cfg = std::move(cfg);
  self->state.router = std::move(router);
  // Remote peers may send anything; never print or crash on it.
  self->set_default_handler(caf::drop);
  self->set_down_handler([self](const caf::down_msg& dm) {
    on_client_down(self, dm);
  });
  return {
    [self](atom::submit, const std::string& bytes,
           const client_sink_actor& client) {
      on_submit(self, bytes, client);
    },
    [self](job_result& r) {
      // Only this node's router and pools may deliver results.
      auto sender = self->current_sender();
      if (sender && sender->node() != self->node())
        return;
      on_result(self, r);
    },
    [self](atom::flush) {
      flush(self);
    },
    [self](atom::cancel, const std::string& bytes,
           const client_sink_actor& client) {
      on_cancel(self, bytes, client);
    },
    [self](atom::cluster,
           const std::string& bytes) -> caf::result<std::string> {
      if (!self->state.cfg.membership) {
        cluster_codec::cluster_reply refused;
        refused.refused = true;
        refused.reason = "node " + self->state.cfg.node_name
                         + " does not take part in a cluster";
        return cluster_codec::encode(refused);
      }
      return self->delegate(self->state.cfg.membership, atom::cluster::value,
                            bytes);
    },
    [self](atom::query, const std::string& bytes) -> caf::result<std::string> {
      auto q = wire_codec::decode_query(bytes);
      if (!q)
        return wire_codec::encode_error_response(message_of(q.error()));
      auto rp = self->make_response_promise<std::string>();
      auto on_error = [rp](caf::error& err) mutable {
        rp.deliver(wire_codec::encode_error_response(
          "the node could not answer: " + describe(err)));
      };
      auto timeout = self->state.cfg.query_timeout;
      if (q->kind == wire_codec::query_kind::breaker)
        self
          ->request(self->state.router, timeout, atom::breaker::value, q->skill,
                    q->command)
          .then(
            [rp](breaker_status& x) mutable {
              rp.deliver(wire_codec::encode_response(x));
            },
            [rp](caf::error& err) mutable {
              rp.deliver(wire_codec::encode_error_response(message_of(err)));
            });
      else if (q->kind == wire_codec::query_kind::list_skills)
        self->request(self->state.router, timeout, atom::skills::value)
          .then(
            [rp](skill_list& x) mutable {
              rp.deliver(wire_codec::encode_response(x));
            },
            on_error);
      else
        self->request(self->state.router, timeout, atom::status::value)
          .then(
            [self, rp, timeout](node_status& x) mutable {
              auto& m = self->state.cfg.membership;
              if (!m) {
                rp.deliver(wire_codec::encode_response(x));
                return;
              }
              // The cluster part comes from the membership; without it
              // the node's own figures still answer.
              self->request(m, timeout, atom::members::value)
                .then(
                  [rp, x](cluster_view& v) mutable {
                    x.members = std::move(v.members);
                    rp.deliver(wire_codec::encode_response(x));
                  },
                  [rp, x](caf::error&) mutable {
                    rp.deliver(wire_codec::encode_response(x));
                  });
            },
            on_error);
      return rp;
    },
  };
}

} // namespace troupe
