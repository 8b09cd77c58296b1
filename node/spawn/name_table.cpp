#include "node/spawn/name_table.hpp"

#include <utility>

namespace troupe::node {

name_table::name_table(caf::actor_system& sys, size_t capacity)
    : sys_(sys), capacity_(capacity) {
  // nop
}

supervision::succession_ptr name_table::heirs(std::string_view path,
                                              std::string what) {
  return entry(path, std::move(what)).heirs;
}

name_table::named& name_table::entry(std::string_view path, std::string what) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(path);
  if (i != entries_.end())
    return i->second;
  // A name asked for before its child's spec was made describes the child
  // by its path until then.
  auto heirs = std::make_shared<supervision::succession>(
    what.empty() ? std::string{path} : std::move(what), capacity_);
  auto name = supervision::make_registered_name(sys_, heirs);
  return entries_
    .emplace(std::string{path}, named{std::move(heirs), std::move(name)})
    .first->second;
}

} // namespace troupe::node
