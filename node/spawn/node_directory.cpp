#include "node/spawn/node_directory.hpp"

#include <utility>

namespace troupe::node {

caf::actor node_directory::get(const std::string& path) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = actors_.find(path);
  return i != actors_.end() ? i->second : caf::actor{};
}

void node_directory::set(const std::string& path, caf::actor handle) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    actors_[path] = std::move(handle);
  }
  cv_.notify_all();
}

bool node_directory::wait_for(const std::string& path,
                              caf::timespan timeout) const {
  std::unique_lock<std::mutex> guard{mtx_};
  return cv_.wait_for(guard, timeout, [&] {
    auto i = actors_.find(path);
    return i != actors_.end() && i->second;
  });
}

} // namespace troupe::node
