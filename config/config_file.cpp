#include "config/config_file.hpp"

#include "config/cache_config.hpp"
#include "config/cluster_config.hpp"
#include "config/config_reader.hpp"
#include "config/health_config.hpp"
#include "config/supervision_config.hpp"
#include "messages/errors.hpp"

#include <caf/detail/ini_consumer.hpp>
#include <caf/detail/parser/read_ini.hpp>
#include <caf/parser_state.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace troupe {

namespace {

// Merges `from` into `into`, descending into sections present in both, so
// that `[skills.a]` and a later `[skills.b]` both end up under `skills`.
void merge(caf::settings& into, caf::settings&& from) {
  for (auto& [key, value] : from) {
    auto i = into.find(key);
    auto* lhs = i != into.end()
                  ? caf::get_if<caf::settings>(&i->second.get_data())
                  : nullptr;
    auto* rhs = caf::get_if<caf::settings>(&value.get_data());
    if (lhs != nullptr && rhs != nullptr)
      merge(*lhs, std::move(*rhs));
    else
      into[key] = std::move(value);
  }
}

// Receives what CAF's INI parser reads. CAF's own consumer drops keys it has
// no option for and values of the wrong type; this one keeps everything so
// that troupe can check it and say what is wrong.
class tree_consumer : public caf::detail::abstract_ini_consumer {
 public:
  void key(std::string name) {
    key_ = std::move(name);
  }

  void value_impl(caf::config_value&& x) override {
    caf::settings one;
    one[key_] = std::move(x);
    merge(tree, std::move(one));
  }

  caf::settings tree;

 private:
  std::string key_;
};

} // namespace

caf::expected<caf::settings> parse_config_text(std::string_view text,
                                               const std::string& origin) {
  caf::string_view sv{text.data(), text.size()};
  caf::string_parser_state ps{sv.begin(), sv.end()};
  tree_consumer consumer;
  caf::detail::parser::read_ini(ps, consumer);
  if (ps.code != caf::pec::success) {
    // CAF notices a bad value only at the newline after it, by which time it
    // counts the next line: point at the line that holds the mistake.
    auto line = ps.line;
    if (ps.code == caf::pec::unexpected_newline && line > 1)
      --line;
    return caf::make_error(error_code::invalid_config,
                           origin + ":" + std::to_string(line)
                             + ": syntax error (" + caf::to_string(ps.code)
                             + "); values are numbers, true/false, durations "
                               "such as 10s, \"quoted strings\", [lists] or "
                               "{ maps }");
  }
  return std::move(consumer.tree);
}

caf::expected<caf::settings> read_config_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return caf::make_error(error_code::invalid_config,
                           path + ": cannot read the config file");
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_config_text(buf.str(), path);
}

caf::expected<file_config> read_file_config(const caf::settings& tree,
                                            const std::string& origin,
                                            node_config defaults) {
  config_reader root{origin, tree};
  // Paths in the file are relative to the file (not to where the node runs).
  auto base_dir = std::filesystem::absolute(std::filesystem::path{origin})
                    .parent_path()
                    .string();
  file_config out;
  out.node = std::move(defaults);
  if (auto node = root.section("node"))
    read_node_section(*node, out.node);
  if (auto cluster = root.section("cluster"))
    read_cluster_section(*cluster, out.node.cluster);
  if (auto cache = root.section("cache"))
    read_cache_section(*cache, out.node.cache);
  if (auto sup = root.section("supervision"))
    read_supervision_section(*sup, out.node.supervision);
  if (auto health = root.section("health"))
    read_health_section(*health, out.node.health);
  if (auto skills = root.section("skills"))
    for (auto& name : skills->keys())
      if (auto sec = skills->section(name)) {
        skill_config sc;
        sc.name = name;
        read_skill_section(*sec, sc, base_dir);
        out.skills.push_back(std::move(sc));
      }
  if (auto err = root.finish())
    return err;
  return out;
}

caf::expected<file_config> load_config_file(const std::string& path,
                                            node_config defaults) {
  auto tree = read_config_file(path);
  if (!tree)
    return tree.error();
  return read_file_config(*tree, path, std::move(defaults));
}

} // namespace troupe
