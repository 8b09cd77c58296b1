#pragma once

#include <caf/actor.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace troupe::node {

/// The current incarnation of every actor of a node's tree, by path
/// (`node/router`, `node/skills/echo`, ...; see messages/supervision.hpp),
/// kept up to date by the root supervisor. Thread-safe.
class node_directory {
 public:
  /// The running actor at `path`; null while it restarts or if there is
  /// none.
  caf::actor get(const std::string& path) const;

  /// Records an actor's start or stop (called by the root supervisor).
  void set(const std::string& path, caf::actor handle);

  /// Blocks until an actor runs at `path` or `timeout` passed; never call
  /// from an actor.
  bool wait_for(const std::string& path,
                caf::timespan timeout = std::chrono::seconds(30)) const;

 private:
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  std::map<std::string, caf::actor> actors_;
};

} // namespace troupe::node
