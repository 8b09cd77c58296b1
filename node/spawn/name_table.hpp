#pragma once

#include "actors/supervision/registered_name.hpp"
#include "actors/supervision/succession.hpp"

#include <caf/actor_system.hpp>

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace troupe::node {

/// The registered names of a node's supervised children, by path in the
/// tree (`node/router`, `node/skills/echo`, ...; see
/// messages/supervision.hpp), each with the succession its incarnations
/// share. Filled while the tree is built; the actors are given their
/// siblings' names when they start and never look them up again.
/// Thread-safe.
class name_table {
 public:
  /// Successions buffer up to `capacity` messages while their child is
  /// between incarnations.
  name_table(caf::actor_system& sys, size_t capacity);

  /// The succession of the child at `path`, created on first use; `what`
  /// names the child in answers ("the pool of skill echo").
  supervision::succession_ptr heirs(std::string_view path, std::string what);

  /// The registered name of the child at `path`.
  template <class Handle>
  Handle name(std::string_view path) {
    return caf::actor_cast<Handle>(entry(path).name);
  }

 private:
  struct named {
    supervision::succession_ptr heirs;
    caf::strong_actor_ptr name;
  };

  named& entry(std::string_view path, std::string what = {});

  caf::actor_system& sys_;
  size_t capacity_;
  std::mutex mtx_;
  std::map<std::string, named, std::less<>> entries_;
};

} // namespace troupe::node
