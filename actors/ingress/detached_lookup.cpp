#include "actors/ingress/detached_lookup.hpp"

#include "messages/detached.hpp"
#include "messages/errors.hpp"

#include <caf/event_based_actor.hpp>

#include <map>
#include <memory>
#include <optional>

namespace troupe::ingress {

namespace {

using gateway_ptr = gateway_actor::stateful_pointer<gateway_state>;

constexpr int32_t as_int(detached_state x) {
  return static_cast<int32_t>(x);
}

bool from_other_node(gateway_ptr self) {
  auto sender = self->current_sender();
  return sender && sender->node() != self->node();
}

/// Where an id's job is held, for a caller of `self`: here (empty), or
/// the name of another member to ask; `nullopt` when nobody is asked.
std::optional<std::string> holder_for(gateway_ptr self, const std::string& id) {
  auto x = detached_id::parse(id);
  if (!x)
    return std::nullopt;
  if (x->holder == self->state.cfg.node_name)
    return std::string{};
  if (from_other_node(self) || !self->state.cfg.membership)
    return std::nullopt;
  return std::move(x->holder);
}

/// Finds member `name`'s gateway, then calls `ok(gateway)`, or `lost(why)`
/// when the member is down or left, or `fail(error)`.
template <class Ok, class Lost, class Fail>
void reach_member(gateway_ptr self, const std::string& name, Ok ok, Lost lost,
                  Fail fail) {
  auto& cfg = self->state.cfg;
  self->request(cfg.membership, cfg.query_timeout, atom::get::value, name)
    .then(
      [=](uint8_t status, uint64_t, gateway_actor& gw) mutable {
        auto s = static_cast<member_status>(status);
        if (s == member_status::down || s == member_status::leaving) {
          lost("member " + name + " was lost or left the cluster");
          return;
        }
        if (!gw) {
          fail(caf::make_error(error_code::node_unreachable,
                               "member " + name + " is not connected to node "
                                 + self->state.cfg.node_name
                                 + " at the moment; ask again"));
          return;
        }
        ok(std::move(gw));
      },
      [=](caf::error& err) mutable {
        fail(std::move(err));
      });
}

/// Asks a peer's gateway for a detached job on behalf of the gateway that
/// spawned it, watching the peer meanwhile: a request to a remote actor
/// is not answered when the link to it breaks, so without the watch a
/// wait would last its whole time for a member that is gone.
caf::behavior ask_peer(caf::event_based_actor* self, gateway_actor peer,
                       caf::timespan timeout) {
  return {
    [=](atom::get, std::string& owner, std::string& id, caf::timespan wait) {
      auto rp = self->make_response_promise();
      self->set_down_handler([self, rp](caf::down_msg&) {
        auto copy = rp;
        copy.deliver(caf::make_error(error_code::node_unreachable,
                                     "the link to the member broke"));
        self->quit();
      });
      self->monitor(peer);
      self
        ->request(peer, timeout, atom::get::value, std::move(owner),
                  std::move(id), wait)
        .then(
          [=](int32_t state, std::string& result) mutable {
            rp.deliver(state, std::move(result));
            self->quit();
          },
          [=](caf::error& err) mutable {
            rp.deliver(std::move(err));
            self->quit();
          });
      return rp;
    },
  };
}

} // namespace

caf::result<int32_t, std::string>
get_detached(gateway_ptr self, std::string owner, std::string id,
             caf::timespan wait) {
  auto& cfg = self->state.cfg;
  auto holder = holder_for(self, id);
  if (!holder)
    return {as_int(detached_state::unknown), std::string{}};
  if (holder->empty()) {
    if (!cfg.keeper)
      return {as_int(detached_state::unknown), std::string{}};
    return self->delegate(cfg.keeper, atom::get::value, std::move(owner),
                          std::move(id), wait);
  }
  auto rp = self->make_response_promise<int32_t, std::string>();
  auto timeout = wait + cfg.query_timeout;
  reach_member(
    self, *holder,
    [=](gateway_actor gw) mutable {
      auto asker = self->spawn(ask_peer, std::move(gw), timeout);
      self
        ->request(asker, timeout + std::chrono::seconds(1), atom::get::value,
                  owner, id, wait)
        .then(
          [=](int32_t state, std::string& result) mutable {
            rp.deliver(state, std::move(result));
          },
          [=](caf::error& err) mutable {
            // The link may have broken with the member: whether it was lost
            // shows in the view, which the caller's next ask consults.
            rp.deliver(caf::make_error(error_code::node_unreachable,
                                       "no answer about job " + id
                                         + " from member " + *holder + ": "
                                         + message_of(err) + "; ask again"));
          });
    },
    [=](std::string why) mutable {
      rp.deliver(as_int(detached_state::lost),
                 "job " + id + " was lost: " + std::move(why));
    },
    [=](caf::error err) mutable {
      if (err.category() == caf::atom("troupe")
          && static_cast<error_code>(err.code()) == error_code::rejected)
        rp.deliver(as_int(detached_state::unknown), message_of(err));
      else
        rp.deliver(std::move(err));
    });
  return rp;
}

caf::result<uint32_t> cancel_detached(gateway_ptr self, std::string owner,
                                      std::vector<std::string> ids) {
  auto& cfg = self->state.cfg;
  std::vector<std::string> here;
  std::map<std::string, std::vector<std::string>> elsewhere;
  for (auto& id : ids) {
    auto holder = holder_for(self, id);
    if (!holder)
      continue;
    if (holder->empty())
      here.push_back(std::move(id));
    else
      elsewhere[std::move(*holder)].push_back(std::move(id));
  }
  auto rp = self->make_response_promise<uint32_t>();
  struct tally {
    caf::typed_response_promise<uint32_t> rp;
    uint32_t cancelled = 0;
    size_t left = 0;
    void add(uint32_t n) {
      cancelled += n;
      if (--left == 0)
        rp.deliver(cancelled);
    }
  };
  auto t = std::make_shared<tally>();
  t->rp = rp;
  t->left = elsewhere.size() + 1;
  if (!here.empty() && cfg.keeper)
    self
      ->request(cfg.keeper, cfg.query_timeout, atom::cancel::value, owner,
                std::move(here))
      .then(
        [t](uint32_t n) {
          t->add(n);
        },
        [t](caf::error&) {
          t->add(0);
        });
  else
    t->add(0);
  for (auto& [name, some] : elsewhere) {
    reach_member(
      self, name,
      [=, some = std::move(some)](gateway_actor gw) {
        self
          ->request(gw, self->state.cfg.query_timeout, atom::cancel::value,
                    owner, some)
          .then(
            [t](uint32_t n) {
              t->add(n);
            },
            [t](caf::error&) {
              t->add(0);
            });
      },
      [t](const std::string&) {
        t->add(0);
      },
      [t](const caf::error&) {
        t->add(0);
      });
  }
  return rp;
}

} // namespace troupe::ingress
