#include "config/config_reader.hpp"

#include "config/units.hpp"
#include "messages/errors.hpp"

#include <cmath>
#include <type_traits>

namespace troupe::config {

namespace {

// How a value looks in a message: its text and its type, e.g.
// `"abc" (a string)`.
std::string shown(const caf::config_value& value) {
  auto text = caf::to_string(value);
  if (text.size() > 60)
    text = text.substr(0, 57) + "...";
  return text + " (" + value.type_name() + ")";
}

caf::string_view view(std::string_view x) {
  return {x.data(), x.size()};
}

} // namespace

config_reader::config_reader(std::string file, const caf::settings& root)
    : shared_(std::make_shared<shared_state>()), index_(0) {
  shared_->file = std::move(file);
  shared_->sections.push_back(section_state{{}, &root, {}});
}

config_reader::config_reader(std::shared_ptr<shared_state> shared, size_t index)
    : shared_(std::move(shared)), index_(index) {
  // nop
}

// -- scalar values ------------------------------------------------------------

const caf::config_value* config_reader::find(std::string_view key) {
  auto& st = state();
  auto i = st.values->find(view(key));
  if (i == st.values->end())
    return nullptr;
  st.used.emplace(key);
  return &i->second;
}

void config_reader::wrong_type(std::string_view key,
                               const caf::config_value& value,
                               const std::string& expected) {
  fail(key, "expected " + expected + ", got " + shown(value));
}

bool config_reader::read(std::string_view key, std::string& out) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  if (auto* str = caf::get_if<std::string>(&x->get_data())) {
    out = *str;
    return true;
  }
  // `kind = 'process'` (an atom in CAF's syntax) means the same to a person.
  if (auto* atm = caf::get_if<caf::atom_value>(&x->get_data())) {
    out = caf::to_string(*atm);
    return true;
  }
  wrong_type(key, *x, "a quoted string");
  return false;
}

bool config_reader::read(std::string_view key, bool& out) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  if (auto* b = caf::get_if<bool>(&x->get_data())) {
    out = *b;
    return true;
  }
  wrong_type(key, *x, "true or false");
  return false;
}

template <class Int, class>
bool config_reader::read(std::string_view key, Int& out, Int min, Int max) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  auto range = std::to_string(min) + ".." + std::to_string(max);
  auto* i = caf::get_if<int64_t>(&x->get_data());
  if (i == nullptr) {
    wrong_type(key, *x, "a whole number in " + range);
    return false;
  }
  // Compared without conversions that could wrap a negative number or a
  // huge one into range.
  auto value = *i;
  bool ok;
  if constexpr (std::is_unsigned<Int>::value)
    ok = value >= 0 && static_cast<uint64_t>(value) >= min
         && static_cast<uint64_t>(value) <= max;
  else
    ok = value >= static_cast<int64_t>(min)
         && value <= static_cast<int64_t>(max);
  if (!ok) {
    fail(key, "expected a whole number in " + range + ", got "
                + std::to_string(value));
    return false;
  }
  out = static_cast<Int>(value);
  return true;
}

template bool config_reader::read(std::string_view, uint64_t&, uint64_t,
                                  uint64_t);
template bool config_reader::read(std::string_view, uint32_t&, uint32_t,
                                  uint32_t);
template bool config_reader::read(std::string_view, uint16_t&, uint16_t,
                                  uint16_t);
template bool config_reader::read(std::string_view, int32_t&, int32_t, int32_t);

bool config_reader::read(std::string_view key, double& out, double min,
                         double max) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  double value;
  if (auto* d = caf::get_if<double>(&x->get_data()))
    value = *d;
  else if (auto* i = caf::get_if<int64_t>(&x->get_data()))
    value = static_cast<double>(*i);
  else {
    wrong_type(key, *x,
               "a number in " + std::to_string(min) + ".."
                 + std::to_string(max));
    return false;
  }
  if (!std::isfinite(value) || value < min || value > max) {
    fail(key, "expected a number in " + std::to_string(min) + ".."
                + std::to_string(max) + ", got " + std::to_string(value));
    return false;
  }
  out = value;
  return true;
}

bool config_reader::read_duration(std::string_view key, caf::timespan& out,
                                  caf::timespan min, caf::timespan max) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  caf::timespan value{0};
  if (auto* ts = caf::get_if<caf::timespan>(&x->get_data())) {
    value = *ts;
  } else if (auto* str = caf::get_if<std::string>(&x->get_data())) {
    // parse_duration reads a bare number as milliseconds (the command
    // line's convention); in a file "30" may as well mean seconds.
    if (str->find_first_not_of("0123456789.") == std::string::npos) {
      fail(key, "expected a duration with a unit such as 500ms or 10s, got \""
                  + *str + "\"");
      return false;
    }
    auto parsed = parse_duration(*str);
    if (!parsed) {
      fail(key, message_of(parsed.error()) + "; expected a duration "
                  + duration_range(min, max));
      return false;
    }
    value = *parsed;
  } else {
    wrong_type(key, *x, "a duration such as 500ms, 10s or 5min");
    return false;
  }
  if (value < min || value > max) {
    fail(key, duration_range_problem(value, min, max));
    return false;
  }
  out = value;
  return true;
}

bool config_reader::read_bytes(std::string_view key, uint64_t& out,
                               uint64_t min, uint64_t max) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  uint64_t value = 0;
  if (auto* i = caf::get_if<int64_t>(&x->get_data())) {
    if (*i < 0) {
      fail(key, "expected a size, got " + std::to_string(*i));
      return false;
    }
    value = static_cast<uint64_t>(*i);
  } else if (auto* str = caf::get_if<std::string>(&x->get_data())) {
    auto parsed = parse_bytes(*str);
    if (!parsed) {
      fail(key, message_of(parsed.error()) + "; expected a size "
                  + size_range(min, max));
      return false;
    }
    value = *parsed;
  } else {
    wrong_type(key, *x, "a size such as 4096, \"512KiB\" or \"16MiB\"");
    return false;
  }
  if (value < min || value > max) {
    fail(key, size_range_problem(value, min, max));
    return false;
  }
  out = value;
  return true;
}

bool config_reader::read(std::string_view key, std::vector<std::string>& out) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  auto* xs = caf::get_if<caf::config_value::list>(&x->get_data());
  if (xs == nullptr) {
    wrong_type(key, *x, "a list of quoted strings such as [\"a\", \"b\"]");
    return false;
  }
  std::vector<std::string> tmp;
  for (size_t i = 0; i < xs->size(); ++i) {
    auto* str = caf::get_if<std::string>(&(*xs)[i].get_data());
    if (str == nullptr) {
      fail(key, "expected a list of quoted strings, but element "
                  + std::to_string(i + 1) + " is " + shown((*xs)[i]));
      return false;
    }
    tmp.push_back(*str);
  }
  out = std::move(tmp);
  return true;
}

bool config_reader::read(std::string_view key,
                         std::map<std::string, std::string>& out) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  auto* xs = caf::get_if<caf::settings>(&x->get_data());
  if (xs == nullptr) {
    wrong_type(key, *x, "a map of quoted strings such as { NAME = \"value\" }");
    return false;
  }
  return read_string_map(std::string{key}, *xs, out);
}

bool config_reader::read(std::string_view key,
                         std::vector<std::map<std::string, std::string>>& out) {
  auto* x = find(key);
  if (x == nullptr)
    return false;
  auto* xs = caf::get_if<caf::config_value::list>(&x->get_data());
  if (xs == nullptr) {
    wrong_type(key, *x,
               "a list of maps such as [{ a = \"x\" }, { a = \"y\" }]");
    return false;
  }
  std::vector<std::map<std::string, std::string>> tmp;
  for (size_t i = 0; i < xs->size(); ++i) {
    auto* map = caf::get_if<caf::settings>(&(*xs)[i].get_data());
    auto where = std::string{key} + "[" + std::to_string(i + 1) + "]";
    if (map == nullptr) {
      fail(where,
           "expected a map such as { a = \"x\" }, got " + shown((*xs)[i]));
      return false;
    }
    tmp.emplace_back();
    if (!read_string_map(where, *map, tmp.back()))
      return false;
  }
  out = std::move(tmp);
  return true;
}

bool config_reader::read_string_map(const std::string& where,
                                    const caf::settings& xs,
                                    std::map<std::string, std::string>& out) {
  std::map<std::string, std::string> tmp;
  for (auto& [k, v] : xs) {
    auto* str = caf::get_if<std::string>(&v.get_data());
    if (str == nullptr) {
      fail(where + "." + k, "expected a quoted string, got " + shown(v));
      return false;
    }
    tmp.emplace(k, *str);
  }
  out = std::move(tmp);
  return true;
}

// -- structure ----------------------------------------------------------------

bool config_reader::has(std::string_view key) const {
  auto& st = state();
  return st.values->find(view(key)) != st.values->end();
}

std::optional<config_reader> config_reader::section(std::string_view key) {
  auto* x = find(key);
  if (x == nullptr)
    return std::nullopt;
  auto* xs = caf::get_if<caf::settings>(&x->get_data());
  if (xs == nullptr) {
    wrong_type(key, *x, "a section ([" + full_key(key) + "] or { ... })");
    return std::nullopt;
  }
  shared_->sections.push_back(section_state{full_key(key), xs, {}});
  return config_reader{shared_, shared_->sections.size() - 1};
}

std::vector<std::string> config_reader::keys() const {
  std::vector<std::string> out;
  for (auto& kv : *state().values)
    out.push_back(kv.first);
  return out;
}

std::string config_reader::full_key(std::string_view key) const {
  auto& path = state().path;
  if (path.empty())
    return std::string{key};
  if (key.empty())
    return path;
  return path + "." + std::string{key};
}

// -- problems -----------------------------------------------------------------

void config_reader::fail(std::string_view key, const std::string& what) {
  auto name = full_key(key);
  shared_->problems.push_back(shared_->file + ": "
                              + (name.empty() ? "" : name + ": ") + what);
}

bool config_reader::failed() const {
  return !shared_->problems.empty();
}

void config_reader::accept_all() {
  auto& st = state();
  for (auto& kv : *st.values)
    st.used.emplace(kv.first);
}

caf::error config_reader::finish() {
  // CAF's parser files keys above the first [section] under "global".
  auto& root = shared_->sections.front();
  if (root.path.empty() && root.used.count("global") == 0) {
    auto i = root.values->find("global");
    if (i != root.values->end()) {
      root.used.emplace("global");
      if (auto* xs = caf::get_if<caf::settings>(&i->second.get_data()))
        for (auto& kv : *xs)
          shared_->problems.push_back(shared_->file + ": " + kv.first
                                      + ": keys must follow a section header "
                                        "such as [node]");
    }
  }
  for (auto& sec : shared_->sections)
    for (auto& kv : *sec.values)
      if (sec.used.count(kv.first) == 0) {
        auto name = sec.path.empty() ? kv.first : sec.path + "." + kv.first;
        shared_->problems.push_back(
          shared_->file + ": " + name + ": unknown key"
          + (sec.path.empty() ? " (a section name such as [node])" : ""));
      }
  auto& ps = shared_->problems;
  if (ps.empty())
    return caf::none;
  std::string msg = ps.front();
  size_t shown_max = 10;
  for (size_t i = 1; i < ps.size() && i < shown_max; ++i)
    msg += "\n" + ps[i];
  if (ps.size() > shown_max)
    msg += "\n(" + std::to_string(ps.size() - shown_max) + " more problems)";
  return caf::make_error(error_code::invalid_config, std::move(msg));
}

} // namespace troupe::config
