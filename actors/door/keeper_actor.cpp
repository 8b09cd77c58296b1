#include "actors/door/keeper_actor.hpp"

#include "messages/detached.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <chrono>

namespace troupe::door {

namespace {

using keeper_ptr = keeper_actor::stateful_pointer<keeper_actor_state>;

constexpr int32_t as_int(detached_state x) {
  return static_cast<int32_t>(x);
}

/// A wait longer than this is cut to it: the caller asks again.
constexpr caf::timespan longest_wait = std::chrono::hours(1);

caf::result<int32_t, std::string> answer_now(result_keeper& keeper,
                                             const std::string& owner,
                                             const std::string& id) {
  v1::JobResult r;
  switch (keeper.find(owner, id, &r)) {
    case result_keeper::state::pending:
      return {as_int(detached_state::pending), std::string{}};
    case result_keeper::state::done:
      return {as_int(detached_state::done), r.SerializeAsString()};
    default:
      return {as_int(detached_state::unknown), std::string{}};
  }
}

} // namespace

keeper_actor::behavior_type
keeper_service(keeper_ptr self, std::shared_ptr<result_keeper> keeper,
               gateway_actor gateway) {
  self->state.keeper = std::move(keeper);
  self->state.gateway = std::move(gateway);
  return {
    [self](atom::get, const std::string& owner, const std::string& id,
           caf::timespan wait) -> caf::result<int32_t, std::string> {
      auto& st = self->state;
      if (st.keeper->of_earlier_run(id))
        return {as_int(detached_state::lost),
                "job " + id
                  + " was lost: the node that held it restarted since"};
      if (wait <= caf::timespan{0})
        return answer_now(*st.keeper, owner, id);
      auto n = st.next_wait++;
      auto& w = st.waits[n];
      w.promise = self->make_response_promise<int32_t, std::string>();
      auto rp = w.promise;
      auto me = caf::actor_cast<keeper_actor>(self);
      // The callback may run at once (the job ended before), on this
      // thread, or later on the gateway's: either way as a message.
      auto waiter = st.keeper->wait(owner, id, [me, n](const v1::JobResult* r) {
        if (r != nullptr)
          caf::anon_send(me, atom::done::value, n, as_int(detached_state::done),
                         r->SerializeAsString());
        else
          caf::anon_send(me, atom::done::value, n,
                         as_int(detached_state::unknown), std::string{});
      });
      if (waiter == 0) {
        st.waits.erase(n);
        rp.deliver(as_int(detached_state::unknown), std::string{});
        return rp;
      }
      st.waits[n].waiter = waiter;
      self->delayed_send(self, std::min(wait, longest_wait),
                         atom::expire::value, n);
      return rp;
    },
    [self](atom::done, uint64_t n, int32_t state, std::string& result) {
      auto& st = self->state;
      auto i = st.waits.find(n);
      if (i == st.waits.end())
        return;
      i->second.promise.deliver(state, std::move(result));
      st.waits.erase(i);
    },
    [self](atom::expire, uint64_t n) {
      auto& st = self->state;
      auto i = st.waits.find(n);
      // When the keeper no longer has the wait, its callback is on the
      // way with the result: that answers.
      if (i == st.waits.end() || !st.keeper->unwait(i->second.waiter))
        return;
      i->second.promise.deliver(as_int(detached_state::pending), std::string{});
      st.waits.erase(i);
    },
    [self](atom::cancel, const std::string& owner,
           const std::vector<std::string>& ids) -> uint32_t {
      auto& st = self->state;
      auto numbers = st.keeper->pending(owner, ids);
      auto n = static_cast<uint32_t>(numbers.size());
      if (!numbers.empty())
        self->send(st.gateway, atom::cancel::value, std::move(numbers),
                   st.keeper->port());
      return n;
    },
  };
}

} // namespace troupe::door
