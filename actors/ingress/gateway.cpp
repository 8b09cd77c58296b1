#include "actors/ingress/gateway.hpp"

#include "actors/base/mailbox_salvage.hpp"
#include "actors/base/self_tick.hpp"
#include "actors/ingress/detached_lookup.hpp"
#include "actors/log/logging.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "config/node_config.hpp"
#include "messages/errors.hpp"
#include "messages/wire/batch_codec.hpp"
#include "messages/wire/member_codec.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <unordered_set>

namespace troupe::ingress {

namespace {

using gateway_ptr = gateway_actor::stateful_pointer<gateway_state>;

// Control messages (drain, child events, results) are only taken from
// actors of this node: a remote peer must not steer the gateway.
bool from_this_node(gateway_ptr self) {
  auto sender = self->current_sender();
  return sender && sender->node() == self->node();
}

void flush(gateway_ptr self);

void schedule_flush(gateway_ptr self) {
  auto& st = self->state;
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    // Nothing else waiting: no result can join this one, send it now.
    if (self->mailbox().empty())
      flush(self);
    else
      self->send(self, atom::flush::value);
  }
}

// Refuses a whole batch: none of its jobs is accepted, and the client maps
// the refusal to the jobs it sent in the batch `batch_id`.
void refuse_batch(gateway_ptr self, const client_sink_actor& client,
                  uint64_t batch_id, const std::string& why) {
  log::actors().debug("gateway: refused submit batch {}: {}", batch_id, why);
  if (self->state.cfg.metrics)
    self->state.cfg.metrics->record("-", job_status::bad_input,
                                    caf::timespan{0});
  wire::batch_codec::batch_refusal refusal;
  refusal.batch_id = batch_id;
  refusal.status = job_status::bad_input;
  refusal.error = why;
  self->send(client, atom::results::value,
             wire::batch_codec::encode_refusal(refusal));
}

using client_ref = gateway_state::client_ref;

void put_in_outbox(gateway_ptr self, const client_ref& client, job_result&& r) {
  auto& box = self->state.outboxes[client.key];
  if (box.client.key == nullptr)
    box.client = client;
  box.results.push_back(std::move(r));
}

// Moves the result of a waiting job into its client's outbox; false when
// the job is not waiting (answered already, or unknown).
bool stash_result(gateway_ptr self, job_result& r) {
  auto& st = self->state;
  auto i = st.waiting.find(r.id);
  if (i == st.waiting.end())
    return false;
  r.id = i->second.client_id;
  auto key = i->second.client.key;
  if (auto c = st.clients.find(key); c != st.clients.end() && c->second > 0)
    --c->second;
  put_in_outbox(self, i->second.client, std::move(r));
  st.waiting.erase(i);
  return true;
}

void on_result(gateway_ptr self, job_result& r) {
  if (stash_result(self, r))
    schedule_flush(self);
}

// Answers a job the gateway accepted but will not forward.
void answer(gateway_ptr self, const job& j, job_status status, std::string why,
            bool count) {
  auto r = make_failure(j, status, std::move(why));
  r.node = self->state.cfg.node_name;
  if (count && self->state.cfg.metrics)
    self->state.cfg.metrics->record("-", status, caf::timespan{0});
  on_result(self, r);
}

// Deadlines this close together share one timer: under steady load the
// earliest deadline moves on with every job, and a tick per job would cost
// more than the jobs. The backstop waits seconds past a deadline anyway.
constexpr caf::timespan tick_granularity = std::chrono::milliseconds(100);

void arm_deadline_tick(gateway_ptr self) {
  auto& st = self->state;
  if (st.deadlines.empty())
    return;
  auto when = st.deadlines.next();
  auto rem = when.time_since_epoch() % tick_granularity;
  if (rem != caf::timespan{0})
    when += tick_granularity - rem;
  base::arm_self_tick(self, st.tick_due, when);
}

// The deadline queue keeps the entries of answered jobs until they come
// due; rebuilt from the waiting jobs once those are the minority, so that
// memory follows the jobs in flight, not the jobs of the last minute.
void compact_deadlines(gateway_ptr self) {
  self->state.deadlines.compact(self->state.waiting,
                                [](const gateway_state::waiter& w) {
                                  return w.deadline;
                                });
}

// Takes jobs in from `client` (ids as it gave them): each is forwarded to
// the router under a gateway id, with its one deadline set, or answered at
// once while the node drains.
void accept_jobs(gateway_ptr self, const client_ref& client,
                 std::vector<job>& jobs) {
  auto& st = self->state;
  auto sink = caf::actor_cast<result_sink_actor>(self);
  auto known = st.clients.find(client.key);
  if (known == st.clients.end()) {
    if (client.actor)
      self->monitor(client.actor);
    known = st.clients.emplace(client.key, 0).first;
  }
  known->second += jobs.size();
  auto now = self->clock().now();
  for (auto& j : jobs) {
    auto id = st.next_id++;
    // OVERLOADED: the job did not run and may go to another node, or here
    // again later, which is what clients do with OVERLOADED anyway.
    if (st.draining) {
      st.waiting.emplace(id, gateway_state::waiter{client, j.id, now, {}});
      j.id = id;
      answer(self, j, job_status::overloaded,
             "node " + st.cfg.node_name
               + " is shutting down and accepts no new jobs; submit the job "
                 "to another node or retry later",
             true);
      continue;
    }
    auto t = st.cfg.skill_timeouts.find(j.skill);
    set_deadline(j, now,
                 t != st.cfg.skill_timeouts.end() ? t->second
                                                  : st.cfg.default_timeout);
    auto deadline = j.options.deadline + st.cfg.grace;
    st.waiting.emplace(id,
                       gateway_state::waiter{client, j.id, deadline, j.skill});
    st.deadlines.push(deadline, id);
    j.id = id;
    self->send(st.router, std::move(j), sink);
  }
  compact_deadlines(self);
  arm_deadline_tick(self);
}

void on_submit(gateway_ptr self, const std::string& bytes,
               const client_sink_actor& client) {
  auto& st = self->state;
  if (!client)
    return;
  if (bytes.size() > st.cfg.max_message_bytes) {
    // Only the batch id is read (senders put it first): a message over the
    // limit is never parsed.
    refuse_batch(self, client, wire::batch_codec::peek_batch_id(bytes),
                 "a submit message of " + std::to_string(bytes.size())
                   + " bytes exceeds the limit of node " + st.cfg.node_name
                   + " (" + std::to_string(st.cfg.max_message_bytes)
                   + " bytes per message); an input larger than the node's "
                     "max-job-bytes is refused anyway, smaller jobs must go "
                     "in smaller messages");
    return;
  }
  auto batch = wire::batch_codec::decode_submit(bytes);
  if (!batch) {
    refuse_batch(self, client, wire::batch_codec::peek_batch_id(bytes),
                 message_of(batch.error()));
    return;
  }
  auto ref = client_ref::of(client);
  // A job with bad text fails alone; the rest of its batch goes on.
  for (auto& bad : batch->refused) {
    job_result r;
    r.id = bad.id;
    r.status = job_status::bad_input;
    r.error = "job refused by node " + st.cfg.node_name + ": " + bad.reason;
    r.node = st.cfg.node_name;
    if (st.cfg.metrics)
      st.cfg.metrics->record("-", r.status, caf::timespan{0});
    put_in_outbox(self, ref, std::move(r));
  }
  if (!batch->refused.empty())
    schedule_flush(self);
  if (!batch->jobs.empty())
    accept_jobs(self, ref, batch->jobs);
}

// Answers TIMEOUT for every waiting job whose deadline and grace passed: no
// result came from inside the node, so a message was dropped somewhere (an
// internal fault). The client still gets its one result.
void on_tick(gateway_ptr self) {
  auto& st = self->state;
  st.tick_due = gateway_state::time_point::max();
  auto now = self->clock().now();
  // skill -> jobs answered now, for one log line per skill.
  std::map<std::string, size_t> faults;
  st.deadlines.pop_due(now, [&](uint64_t id) {
    auto i = st.waiting.find(id);
    if (i == st.waiting.end())
      return;
    auto skill = i->second.skill;
    job_result r;
    r.id = id;
    r.status = job_status::timeout;
    r.skill = skill;
    r.node = st.cfg.node_name;
    r.error = "no result from inside node " + st.cfg.node_name
              + " within the job's deadline (plus "
              + config::duration_text(st.cfg.grace)
              + "): an internal fault; the job may have run";
    stash_result(self, r);
    if (st.cfg.metrics)
      st.cfg.metrics->record(skill, job_status::timeout, caf::timespan{0});
    if (st.cfg.on_internal_fault)
      st.cfg.on_internal_fault();
    ++faults[skill];
  });
  for (auto& [skill, n] : faults)
    log::actors().error("gateway: internal fault: {} job{} of skill '{}' got "
                        "no result from inside the node within the deadline "
                        "plus grace; answered TIMEOUT",
                        n, n == 1 ? "" : "s", skill);
  if (!faults.empty())
    schedule_flush(self);
  compact_deadlines(self);
  arm_deadline_tick(self);
}

// The gateway ids of `client`'s waiting jobs; with `ids`, only those the
// client gave these ids.
std::vector<uint64_t> jobs_of(gateway_ptr self, const void* client,
                              const std::unordered_set<uint64_t>* ids) {
  std::vector<uint64_t> out;
  for (auto& [id, w] : self->state.waiting)
    if (w.client.key == client
        && (ids == nullptr || ids->count(w.client_id) > 0))
      out.push_back(id);
  return out;
}

// Cancels waiting jobs, by skill: the router sends a skill's cancellation
// only where that skill's jobs go.
void cancel(gateway_ptr self, const std::vector<uint64_t>& ids) {
  if (ids.empty())
    return;
  log::actors().debug("gateway: cancelling {} jobs", ids.size());
  auto& st = self->state;
  std::unordered_map<std::string, std::vector<uint64_t>> by_skill;
  for (auto id : ids) {
    auto i = st.waiting.find(id);
    if (i != st.waiting.end())
      by_skill[i->second.skill].push_back(id);
  }
  for (auto& [skill, of_skill] : by_skill)
    self->send(st.router, atom::cancel::value, skill, std::move(of_skill),
               caf::actor_cast<result_sink_actor>(self));
}

// A client asked to cancel some of its jobs: they end CANCELLED, and the
// client gets those results as usual.
void on_cancel(gateway_ptr self, const std::string& bytes,
               const client_sink_actor& client) {
  auto ids = wire::batch_codec::decode_cancel(bytes);
  if (!ids || !client) {
    log::actors().debug("gateway: dropped a malformed cancel request");
    return;
  }
  std::unordered_set<uint64_t> wanted{ids->begin(), ids->end()};
  cancel(self, jobs_of(self, client.address().get(), &wanted));
}

// A client went away (its actor is down, its port closed): nobody wants
// its jobs' results any more.
void forget_client(gateway_ptr self, const void* key) {
  auto& st = self->state;
  // Gone: nothing left to confirm (a request to its dead proxy would only
  // run into its timeout).
  st.delivered_to.erase(key);
  auto i = st.clients.find(key);
  if (i == st.clients.end())
    return;
  auto outstanding = i->second;
  st.clients.erase(i);
  st.outboxes.erase(key);
  if (outstanding == 0)
    return;
  auto ids = jobs_of(self, key, nullptr);
  log::actors().debug("gateway: a client went away with {} jobs left",
                      ids.size());
  // Cancelled while still known (their skills say where they are), then
  // forgotten: their CANCELLED results have nobody to go to.
  cancel(self, ids);
  for (auto id : ids)
    st.waiting.erase(id);
}

void flush(gateway_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  auto& lim = st.cfg.result_batch;
  auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  for (auto& [key, box] : st.outboxes) {
    if (box.results.empty())
      continue;
    if (st.cfg.metrics)
      st.cfg.metrics->recent().record(box.results, unix_ms);
    if (box.client.port) {
      // In-process: the port batches for its own transport.
      box.client.port->deliver(box.results);
      box.results.clear();
      continue;
    }
    if (st.draining)
      st.delivered_to.emplace(key, box.client.actor);
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
      self->send(
        box.client.actor, atom::results::value,
        wire::batch_codec::encode_results(&*first, &*first + (last - first)));
      first = last;
    }
    box.results.clear();
  }
  // Keep the map small when many short-lived clients come and go.
  if (st.outboxes.size() > 64)
    st.outboxes.clear();
}

// Ends every job in flight with `status`; the results leave together, in
// as few messages as the batch limits allow.
size_t answer_all(gateway_ptr self, job_status status, const std::string& why) {
  auto& st = self->state;
  std::vector<uint64_t> ids;
  ids.reserve(st.waiting.size());
  for (auto& kv : st.waiting)
    ids.push_back(kv.first);
  for (auto id : ids) {
    job_result r;
    r.id = id;
    r.status = status;
    r.error = why;
    r.node = st.cfg.node_name;
    stash_result(self, r);
  }
  flush(self);
  return ids.size();
}

// Answers `n` once every client actor that got results while the node
// drained has confirmed receipt: a member link's relay answers a ping only
// after the member answered one sent after the results, over the same
// stream (which keeps its order); any answer will do, an error included.
// Without this, a node exiting right after its last flush could take unsent
// results with it. Bounded by `delivery_timeout`: a client that does not answer
// is not waited for.
caf::result<uint64_t> confirm_delivery(gateway_ptr self, uint64_t n) {
  auto& st = self->state;
  std::vector<caf::actor> remote;
  for (auto& [addr, client] : st.delivered_to)
    if (client)
      remote.push_back(caf::actor_cast<caf::actor>(client));
  st.delivered_to.clear();
  if (remote.empty())
    return n;
  auto rp = self->make_response_promise<uint64_t>();
  auto pending = std::make_shared<size_t>(remote.size());
  auto one_done = [rp, pending, n]() mutable {
    if (--*pending == 0)
      rp.deliver(n);
  };
  for (auto& client : remote)
    self->request(client, st.cfg.delivery_timeout, atom::ping::value)
      .then(
        [one_done](atom::ping) mutable {
          one_done();
        },
        [one_done](caf::error&) mutable {
          one_done();
        });
  return rp;
}

// Router status and health status, merged into one `node_status`, for
// `done` (called once, with the status or why there is none).
using status_done = std::function<void(caf::expected<node_status>)>;

void collect_status(gateway_ptr self, status_done on_status) {
  auto& st = self->state;
  struct merge {
    node_status status;
    caf::error router_error;
    std::vector<member> members;
    std::optional<health_status> health;
    std::string health_error = "restarting";
    int pending = 3;
  };
  auto m = std::make_shared<merge>();
  auto draining = st.draining;
  auto done = [m, on_status, draining]() mutable {
    if (--m->pending > 0)
      return;
    if (m->router_error) {
      on_status(
        caf::make_error(error_code::rejected, "the node could not answer: "
                                                + describe(m->router_error)));
      return;
    }
    auto& out = m->status;
    out.draining = draining;
    out.members = std::move(m->members);
    if (m->health) {
      out.health_score = m->health->score;
      out.alerts = std::move(m->health->alerts);
      out.restarts = std::move(m->health->restarts);
    } else {
      out.health_score = 0;
      out.alerts.push_back(alert{
        severity::critical, "health-monitor", "node/health",
        "the health monitor did not answer (" + m->health_error + ")", 0});
    }
    on_status(std::move(out));
  };
  auto timeout = st.cfg.query_timeout;
  self->request(st.router, timeout, atom::status::value)
    .then(
      [m, done](node_status& x) mutable {
        m->status = std::move(x);
        done();
      },
      [m, done](caf::error& err) mutable {
        m->router_error = std::move(err);
        done();
      });
  // The cluster part comes from the membership; without it the node's own
  // figures still answer.
  if (st.cfg.membership)
    self->request(st.cfg.membership, timeout, atom::members::value)
      .then(
        [m, done](cluster_view& v) mutable {
          m->members = std::move(v.members);
          done();
        },
        [done](caf::error&) mutable {
          done();
        });
  else
    done();
  if (!st.health) {
    done();
    return;
  }
  self->request(st.health, timeout, atom::status::value)
    .then(
      [m, done](health_status& x) mutable {
        m->health = std::move(x);
        done();
      },
      [m, done](caf::error& err) mutable {
        m->health_error = describe(err);
        done();
      });
}

// Makes the actor at `target` crash (test hook); `done` gets what the node
// did, or why it refused.
using crash_done = std::function<void(caf::expected<std::string>)>;

void crash_actor(gateway_ptr self, const std::string& target, crash_done done) {
  auto& st = self->state;
  if (!st.cfg.crash_hook || !st.cfg.tree) {
    done(caf::make_error(
      error_code::rejected,
      "crash injection is disabled on node " + st.cfg.node_name
        + " (it is a test hook: start the node with --test-skills)"));
    return;
  }
  auto mine = target == "gateway";
  if (mine) // it will not be around to answer once it crashed
    done(std::string{"crashing the gateway of node " + st.cfg.node_name});
  self->request(st.cfg.tree, st.cfg.query_timeout, atom::crash::value, target)
    .then(
      [done, mine](std::string& what) mutable {
        if (!mine)
          done(std::move(what));
      },
      [done, mine](caf::error& err) mutable {
        if (!mine)
          done(caf::make_error(error_code::rejected, message_of(err)));
      });
}

// The gateway's last will: results it already has still go out, and every
// other job in flight is answered, since its result would come back to a
// gateway that no longer exists.
void answer_remaining(gateway_ptr self) {
  auto& st = self->state;
  auto crashed = !supervision::is_normal_exit(self->fail_state());
  base::salvage_mailbox(self, [self, crashed](caf::mailbox_element& x) {
    auto& msg = x.content();
    using port_jobs = std::vector<job>;
    if (msg.match_elements<atom::submit, port_jobs, result_port_ptr>()) {
      // Never read, so never run: a crashed gateway leaves them to its
      // successor (its supervised actor forwards what it does not take); a
      // node that stops ends them CANCELLED.
      if (crashed)
        return false;
      auto& name = self->state.cfg.node_name;
      auto& port = msg.get_as<result_port_ptr>(2);
      std::vector<job_result> results;
      for (auto& j : msg.get_as<port_jobs>(1)) {
        results.push_back(
          make_failure(j, job_status::cancelled,
                       "node " + name + " stopped before the job started"));
        results.back().node = name;
      }
      if (port)
        port->deliver(results);
      return true;
    }
    if (!msg.match_elements<job_result>() || !x.sender
        || x.sender->node() != self->node())
      return false;
    auto r = msg.move_if_unshared<job_result>(0);
    stash_result(self, r);
    return true;
  });
  if (st.waiting.empty()) {
    flush(self);
    return;
  }
  auto reason = self->fail_state();
  log::actors().warn("gateway: ended ({}) with {} jobs in flight",
                     describe(reason), st.waiting.size());
  if (supervision::is_normal_exit(reason))
    answer_all(self, job_status::cancelled,
               "node " + st.cfg.node_name + " stopped before the job finished");
  else
    answer_all(self, job_status::node_lost,
               "the gateway of node " + st.cfg.node_name + " crashed ("
                 + describe(reason)
                 + ") while the job was in flight; it was accepted and may "
                   "have run, but its result is lost: resubmit it if "
                   "running it twice is safe");
}

} // namespace

gateway_actor::behavior_type
gateway(gateway_actor::stateful_pointer<gateway_state> self, gateway_config cfg,
        router_actor router) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.router = std::move(router);
  st.health = st.cfg.health;
  // Remote peers may send anything; never print or crash on it.
  self->set_default_handler(caf::drop);
  st.will = [self] {
    answer_remaining(self);
  };
  self->set_down_handler([self](const caf::down_msg& dm) {
    forget_client(self, dm.source.get());
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
    [self](atom::tick) {
      if (from_this_node(self))
        on_tick(self);
    },
    [self](atom::cancel, const std::string& bytes,
           const client_sink_actor& client) {
      on_cancel(self, bytes, client);
    },
    [self](atom::cluster,
           const std::string& bytes) -> caf::result<std::string> {
      if (!self->state.cfg.membership) {
        wire::member_codec::cluster_reply refused;
        refused.refused = true;
        refused.reason = "node " + self->state.cfg.node_name
                         + " does not take part in a cluster";
        return wire::member_codec::encode(refused);
      }
      return self->delegate(self->state.cfg.membership, atom::cluster::value,
                            bytes);
    },
    [self](atom::submit, std::vector<job>& jobs, const result_port_ptr& port) {
      if (port && !jobs.empty())
        accept_jobs(self, client_ref::of(port), jobs);
    },
    [self](atom::cancel, const std::vector<uint64_t>& ids,
           const result_port_ptr& port) {
      std::unordered_set<uint64_t> wanted{ids.begin(), ids.end()};
      cancel(self, jobs_of(self, port.get(), &wanted));
    },
    [self](atom::leave, const result_port_ptr& port) {
      forget_client(self, port.get());
    },
    [self](atom::get, std::string& owner, std::string& id,
           caf::timespan wait) -> caf::result<int32_t, std::string> {
      return get_detached(self, std::move(owner), std::move(id), wait);
    },
    [self](atom::cancel, std::string& owner,
           std::vector<std::string>& ids) -> caf::result<uint32_t> {
      return cancel_detached(self, std::move(owner), std::move(ids));
    },
    [self](atom::status) -> caf::result<node_status> {
      auto rp = self->make_response_promise<node_status>();
      collect_status(self, [rp](caf::expected<node_status> x) mutable {
        if (x)
          rp.deliver(std::move(*x));
        else
          rp.deliver(x.error());
      });
      return rp;
    },
    [self](atom::crash, const std::string& target) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      crash_actor(self, target, [rp](caf::expected<std::string> x) mutable {
        if (x)
          rp.deliver(std::move(*x));
        else
          rp.deliver(x.error());
      });
      return rp;
    },
    [self](atom::health) {
      return health_report{self->mailbox().size(), self->state.waiting.size()};
    },
    [self](atom::drain) -> caf::result<uint64_t> {
      if (!from_this_node(self))
        return caf::make_error(error_code::rejected,
                               "only the node itself may drain its gateway");
      if (!self->state.draining)
        log::actors().info("gateway: draining; {} jobs in flight",
                           self->state.waiting.size());
      self->state.draining = true;
      return static_cast<uint64_t>(self->state.waiting.size());
    },
    [self](atom::cancel, const std::string& why) -> caf::result<uint64_t> {
      if (!from_this_node(self))
        return caf::make_error(error_code::rejected,
                               "only the node itself may cancel jobs");
      // The node is stopping: nothing new is accepted any more.
      self->state.draining = true;
      auto n = answer_all(self, job_status::cancelled, why);
      return confirm_delivery(self, static_cast<uint64_t>(n));
    },
  };
}

} // namespace troupe::ingress
