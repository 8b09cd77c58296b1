#include "actors/gateway.hpp"

#include "config/logging.hpp"
#include "messages/cluster_codec.hpp"
#include "messages/errors.hpp"
#include "messages/wire_codec.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

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
  auto& box = st.outboxes[i->second.client.address()];
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
      if (*q == wire_codec::query_kind::list_skills)
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
