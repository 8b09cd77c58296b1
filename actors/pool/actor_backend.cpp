#include "actors/pool/actor_backend.hpp"

#include "actors/pool/worker.hpp"

#include <caf/local_actor.hpp>
#include <caf/message_id.hpp>

#include <unordered_map>

namespace troupe::pool {

namespace {

class actor_backend final : public worker_backend {
 public:
  actor_backend(caf::local_actor* self, worker_pool_actor pool,
                std::shared_ptr<const skills::skill_definition> skill)
      : self_(self), pool_(std::move(pool)), skill_(std::move(skill)) {
    // nop
  }

  void start(uint64_t id) override {
    auto w = self_->spawn<caf::linked + caf::monitored>(worker, pool_, skill_,
                                                        id);
    ids_.emplace(w.address(), id);
    actors_.emplace(id, std::move(w));
  }

  void run(uint64_t id, uint64_t ticket, const job& j, caf::timespan left,
           uint32_t) override {
    send(actors_[id], atom::run::value, ticket, j.input, left);
  }

  abandoned abandon(uint64_t id, uint64_t ticket) override {
    send(actors_[id], atom::cancel::value, ticket);
    return abandoned::busy;
  }

  void retire(uint64_t id) override {
    auto w = forget(id);
    send(w, atom::stop::value);
  }

  void drop(uint64_t id) override {
    forget(id);
  }

  uint64_t worker_of(const caf::actor_addr& addr) const override {
    auto i = ids_.find(addr);
    return i != ids_.end() ? i->second : 0;
  }

 private:
  // What `self->send` does: from the pool, and on the pool's execution unit,
  // so that the worker is scheduled as if the pool had sent it directly
  // (local_actor has no `send`; its typed subclasses do).
  template <class... Ts>
  void send(const worker_actor& dest, Ts&&... xs) {
    dest->eq_impl(caf::make_message_id(caf::message_priority::normal),
                  self_->ctrl(), self_->context(), std::forward<Ts>(xs)...);
  }

  // Stops watching the worker: its death is no news to the pool any more.
  worker_actor forget(uint64_t id) {
    auto i = actors_.find(id);
    auto w = std::move(i->second);
    actors_.erase(i);
    ids_.erase(w.address());
    self_->demonitor(w.address());
    self_->unlink_from(w.address());
    return w;
  }

  caf::local_actor* self_;
  worker_pool_actor pool_;
  std::shared_ptr<const skills::skill_definition> skill_;
  std::unordered_map<uint64_t, worker_actor> actors_;
  std::unordered_map<caf::actor_addr, uint64_t> ids_;
};

} // namespace

std::unique_ptr<worker_backend>
make_actor_backend(caf::local_actor* self, worker_pool_actor pool,
                   std::shared_ptr<const skills::skill_definition> skill) {
  return std::make_unique<actor_backend>(self, std::move(pool),
                                         std::move(skill));
}

} // namespace troupe::pool
