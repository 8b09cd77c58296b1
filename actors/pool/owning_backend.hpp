#pragma once

#include "actors/pool/worker_backend.hpp"

#include <caf/actor_addr.hpp>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>

namespace troupe::pool {

/// The common part of the backends whose workers are objects they own, one
/// per worker id (`Worker` is an owning pointer): the object going away is
/// the worker's end, whether it retired or is gone already. Each worker
/// reports to the pool at `pool_`, a weak address, since its thread may
/// outlive the pool.
template <class Worker>
class owning_backend : public worker_backend {
 public:
  void retire(uint64_t id) override {
    workers_.erase(id);
  }

  void drop(uint64_t id) override {
    workers_.erase(id);
  }

 protected:
  owning_backend(caf::actor_addr pool,
                 std::shared_ptr<const skills::skill_definition> skill)
      : pool_(std::move(pool)), skill_(std::move(skill)) {
    // nop
  }

  caf::actor_addr pool_;
  std::shared_ptr<const skills::skill_definition> skill_;
  std::unordered_map<uint64_t, Worker> workers_;
};

} // namespace troupe::pool
