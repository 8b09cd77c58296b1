#include "actors/link/batcher.hpp"

#include "actors/base/mailbox_salvage.hpp"
#include "actors/log/logging.hpp"
#include "actors/supervision/restart_policy.hpp"
#include "messages/errors.hpp"
#include "messages/wire/batch_codec.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <unordered_set>

namespace troupe::link {

namespace {

using batcher_ptr = batcher_actor::stateful_pointer<batcher_state>;

// What a job adds to a batch on the wire, roughly: payload plus framing.
size_t wire_size(const job& j) {
  return j.input.size() + j.skill.size() + 32;
}

void answer(batcher_ptr self, uint64_t id, job_result r) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  r.id = i->second.client_id;
  if (r.node.empty())
    r.node = st.cfg.node_name;
  self->send(i->second.sink, std::move(r));
  if (i->second.sent != batcher_state::time_point{})
    st.policy.on_answered(1);
  if (i->second.load != nullptr)
    i->second.load->remove();
  st.jobs.erase(i);
}

job_result failure(job_status status, std::string error) {
  job_result r;
  r.status = status;
  r.error = std::move(error);
  return r;
}

// Hands a job that can no longer reach the destination to the failover
// handler, saying whether it ever left (a job that never left may run
// anywhere else), or ends it NODE_LOST.
void give_up(batcher_ptr self, job j, result_sink_actor sink, bool sent) {
  auto& st = self->state;
  if (st.cfg.failover) {
    self->send(st.cfg.failover, atom::leave::value, st.cfg.destination_name,
               st.down_reason, sent, std::move(j), std::move(sink));
    return;
  }
  auto r = make_failure(j, job_status::node_lost,
                        "lost the connection to node " + st.cfg.destination_name
                          + " (" + st.down_reason + ")");
  r.node = st.cfg.node_name;
  self->send(sink, std::move(r));
}

// Answered jobs leave the deadline queue lazily; under steady load the
// queue would otherwise hold every job of the last deadline period.
void compact_deadlines(batcher_ptr self) {
  auto& st = self->state;
  st.deadlines.compact(st.jobs, [](const batcher_state::pending_job& pj) {
    return pj.deadline;
  });
}

void schedule_tick(batcher_ptr self, batcher_state::time_point when) {
  auto& st = self->state;
  if (when >= st.tick_due)
    return;
  st.tick_due = when;
  auto now = self->clock().now();
  self->delayed_send(self, when > now ? when - now : caf::timespan{0},
                     atom::tick::value);
}

// Sends up to max_count buffered jobs in one batch.
void send_batch(batcher_ptr self, flush_reason reason) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto limit = std::min(st.buffer.size(), st.policy.limits().max_count);
  std::vector<job> batch;
  batch.reserve(limit);
  size_t bytes = 0;
  size_t taken = 0;
  auto batch_id = st.next_batch++;
  for (; taken < st.buffer.size() && batch.size() < limit; ++taken) {
    auto& j = st.buffer[taken];
    auto i = st.jobs.find(j.id);
    if (i == st.jobs.end())
      continue; // answered (timed out) while buffered
    // A batch never exceeds max_bytes, except for a single large job.
    auto size = wire_size(j);
    if (!batch.empty() && bytes + size > st.policy.limits().max_bytes)
      break;
    i->second.sent = now;
    i->second.batch = batch_id;
    // Clocks differ between members: the job travels with the time it has
    // left, from which the member sets a deadline of its own.
    j.options.timeout = std::max(i->second.deadline - st.cfg.grace - now,
                                 caf::timespan{1});
    j.options.deadline = {};
    bytes += size;
    batch.push_back(std::move(j));
  }
  st.buffer.erase(st.buffer.begin(),
                  st.buffer.begin() + static_cast<ptrdiff_t>(taken));
  st.policy.on_flush(taken, bytes, now);
  if (!st.buffer.empty())
    st.oldest = now;
  if (batch.empty())
    return;
  switch (reason) {
    case flush_reason::count:
      ++st.stats.flushed_count;
      break;
    case flush_reason::bytes:
      ++st.stats.flushed_bytes;
      break;
    case flush_reason::linger:
      ++st.stats.flushed_linger;
      break;
    default:
      ++st.stats.flushed_idle;
  }
  st.stats.items_sent += batch.size();
  if (st.has_metrics)
    st.series.record(reason, batch.size());
  log::actors().trace("batcher {}: {} jobs ({})", st.cfg.destination_name,
                      batch.size(), to_string(reason));
  self->send(st.destination, atom::submit::value,
             wire::batch_codec::encode_submit(batch, batch_id),
             caf::actor_cast<client_sink_actor>(self));
}

// Asks for a flush check once everything already in the mailbox is handled.
void on_flush_check(batcher_ptr self);

// Checks for a flush once everything already in the mailbox is handled; at
// once when nothing is waiting (a message to itself would only add a hop).
void request_flush(batcher_ptr self) {
  auto& st = self->state;
  if (st.flush_pending)
    return;
  st.flush_pending = true;
  if (self->mailbox().empty())
    on_flush_check(self);
  else
    self->send(self, atom::flush::value);
}

void on_flush_check(batcher_ptr self) {
  auto& st = self->state;
  st.flush_pending = false;
  if (st.buffer.empty() || !st.policy.can_send())
    return; // answers arriving will send what is left
  auto now = self->clock().now();
  auto wait = st.policy.linger(st.oldest, now);
  if (wait > caf::timespan{0}) {
    st.flush_pending = true;
    st.lingering = true;
    st.policy.on_linger_start();
    self->delayed_send(self, wait, atom::flush::value);
    return;
  }
  auto reason = st.lingering ? flush_reason::linger : flush_reason::idle;
  st.lingering = false;
  while (!st.buffer.empty() && st.policy.can_send())
    send_batch(self, reason);
}

void on_job(batcher_ptr self, job& j, result_sink_actor& sink) {
  auto& st = self->state;
  if (st.destination_down) {
    give_up(self, std::move(j), std::move(sink), false);
    return;
  }
  auto size = wire_size(j);
  if (!st.policy.admit()) {
    ++st.stats.refused;
    auto r = make_failure(
      j, job_status::overloaded,
      "node " + st.cfg.destination_name + " is not keeping up ("
        + std::to_string(st.policy.in_flight()) + " jobs in flight, "
        + std::to_string(st.policy.buffered()) + " waiting); retry later");
    r.node = st.cfg.node_name;
    self->send(sink, std::move(r));
    return;
  }
  auto now = self->clock().now();
  auto id = st.next_id++;
  auto deadline = deadline_of(j, now, st.cfg.default_timeout) + st.cfg.grace;
  auto& pj = st.jobs
               .emplace(id,
                        batcher_state::pending_job{
                          std::move(sink), j.id, now, deadline, {}, {}})
               .first->second;
  if (st.cfg.failover)
    pj.held = j;
  if (st.cfg.load) {
    auto k = st.load.find(j.skill);
    if (k == st.load.end())
      k = st.load
            .emplace(j.skill, base::load_share{st.cfg.load->counter_for(
                                base::load_board::member_key(
                                  st.cfg.destination_name, j.skill))})
            .first;
    pj.load = &k->second;
    pj.load->add();
  }
  st.deadlines.push(deadline, id);
  compact_deadlines(self);
  schedule_tick(self, deadline);
  if (st.buffer.empty())
    st.oldest = now;
  j.id = id;
  st.buffer.push_back(std::move(j));
  st.policy.on_arrival(size);
  if (st.policy.full() && st.policy.can_send())
    send_batch(self, st.policy.buffered_bytes() >= st.policy.limits().max_bytes
                       ? flush_reason::bytes
                       : flush_reason::count);
  if (!st.buffer.empty())
    request_flush(self);
}

// A submitter cancelled some of its jobs: those still buffered end
// CANCELLED here (a batch skips them); those sent are cancelled at the
// destination, whose CANCELLED results come back as usual.
void on_cancel(batcher_ptr self, const std::vector<uint64_t>& ids,
               const result_sink_actor& sink) {
  auto& st = self->state;
  std::unordered_set<uint64_t> wanted{ids.begin(), ids.end()};
  auto addr = sink.address();
  std::vector<uint64_t> unsent;
  std::vector<uint64_t> sent;
  for (auto& [id, pj] : st.jobs)
    if (wanted.count(pj.client_id) > 0 && pj.sink.address() == addr)
      (pj.sent == batcher_state::time_point{} ? unsent : sent).push_back(id);
  for (auto id : unsent)
    answer(self, id,
           failure(job_status::cancelled,
                   "cancelled by its client before it left for node "
                     + st.cfg.destination_name));
  if (!sent.empty() && !st.destination_down)
    self->send(st.destination, atom::cancel::value,
               wire::batch_codec::encode_cancel(sent),
               caf::actor_cast<client_sink_actor>(self));
}

void on_results(batcher_ptr self, const std::string& bytes) {
  auto& st = self->state;
  auto results = wire::batch_codec::decode_results(bytes);
  if (!results) {
    log::actors().warn("batcher {}: dropped a malformed result batch: {}",
                       st.cfg.destination_name, describe(results.error()));
    return; // its jobs end TIMEOUT at their deadline
  }
  auto now = self->clock().now();
  // The destination refused a whole batch (too large, another protocol
  // version): exactly the jobs that went out in it fail. A scan, since
  // refusals are rare.
  for (auto& x : results->refusals) {
    if (x.batch_id == 0)
      continue; // names none of our batches
    std::vector<uint64_t> refused;
    for (auto& [id, pj] : st.jobs)
      if (pj.batch == x.batch_id)
        refused.push_back(id);
    for (auto id : refused)
      answer(self, id, failure(x.status, x.error));
  }
  for (auto& r : results->results) {
    auto i = st.jobs.find(r.id);
    if (i == st.jobs.end())
      continue; // already answered (timed out)
    st.policy.on_round_trip(now - i->second.sent);
    answer(self, r.id, std::move(r));
  }
  if (!st.buffer.empty())
    request_flush(self);
}

void on_tick(batcher_ptr self) {
  auto& st = self->state;
  st.tick_due = batcher_state::time_point::max();
  auto now = self->clock().now();
  st.deadlines.pop_due(now, [&](uint64_t id) {
    if (st.jobs.count(id) == 0)
      return;
    answer(self, id,
           failure(job_status::timeout, "no answer from node "
                                          + st.cfg.destination_name
                                          + " before the job's deadline"));
  });
  compact_deadlines(self);
  if (!st.deadlines.empty())
    schedule_tick(self, st.deadlines.next());
}

// With `ordinary_end` (the batcher's owner ended it), a batcher holding no
// job loses nothing and says so only at debug level.
void on_destination_down(batcher_ptr self, std::string reason,
                         bool ordinary_end = false) {
  auto& st = self->state;
  if (st.destination_down)
    return;
  st.destination_down = true;
  st.down_reason = std::move(reason);
  auto level = ordinary_end && st.jobs.empty() ? spdlog::level::debug
                                               : spdlog::level::warn;
  log::actors().log(level, "batcher {}: destination down ({}), {} jobs {}",
                    st.cfg.destination_name, st.down_reason, st.jobs.size(),
                    st.cfg.failover ? "move elsewhere" : "fail");
  std::vector<uint64_t> ids;
  ids.reserve(st.jobs.size());
  for (auto& kv : st.jobs)
    ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  for (auto id : ids) {
    auto i = st.jobs.find(id);
    auto& pj = i->second;
    pj.held.id = pj.client_id;
    auto sent = pj.sent != batcher_state::time_point{};
    if (pj.load != nullptr)
      pj.load->remove();
    give_up(self, std::move(pj.held), std::move(pj.sink), sent);
    st.jobs.erase(i);
  }
  st.buffer.clear();
  st.policy = batch_policy{st.cfg.limits};
}

// The batcher's last will: nothing it holds or has not read is dropped.
void hand_back_all(batcher_ptr self) {
  auto& st = self->state;
  if (st.down_reason.empty())
    st.down_reason = "the link to " + st.cfg.destination_name + " ended ("
                     + describe(self->fail_state()) + ")";
  on_destination_down(self, st.down_reason,
                      supervision::is_normal_exit(self->fail_state()));
  base::salvage_mailbox(self, [self](caf::mailbox_element& x) {
    auto& msg = x.content();
    if (!msg.match_elements<job, result_sink_actor>())
      return false;
    give_up(self, msg.move_if_unshared<job>(0),
            msg.move_if_unshared<result_sink_actor>(1), false);
    return true;
  });
}

} // namespace

batcher_actor::behavior_type
batcher(batcher_actor::stateful_pointer<batcher_state> self,
        gateway_actor destination, batcher_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.destination = std::move(destination);
  st.policy = batch_policy{st.cfg.limits};
  st.stats.destination = st.cfg.destination_name;
  if (st.cfg.metrics) {
    st.series = st.cfg.metrics->for_peer(st.cfg.destination_name);
    st.has_metrics = true;
  }
  self->monitor(st.destination);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (dm.source == self->state.destination.address())
      on_destination_down(self, describe(dm.reason));
  });
  // Remote peers may send anything; never print or crash on it.
  self->set_default_handler(caf::drop);
  st.will = [self] {
    hand_back_all(self);
  };
  return {
    [self](job& j, result_sink_actor& sink) {
      on_job(self, j, sink);
    },
    [self](atom::results, const std::string& bytes) {
      on_results(self, bytes);
    },
    [self](atom::flush) {
      on_flush_check(self);
    },
    [self](atom::tick) {
      on_tick(self);
    },
    [self](atom::leave, std::string& why) {
      on_destination_down(self, std::move(why));
    },
    [self](atom::status) {
      auto& st = self->state;
      auto out = st.stats;
      out.buffered = st.policy.buffered();
      out.in_flight = st.policy.in_flight();
      out.destination_down = st.destination_down;
      return out;
    },
    [self](atom::cancel, const std::vector<uint64_t>& ids,
           const result_sink_actor& sink) {
      on_cancel(self, ids, sink);
    },
  };
}

} // namespace troupe::link
