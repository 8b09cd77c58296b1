#pragma once

#include <caf/config_value.hpp>
#include <caf/error.hpp>
#include <caf/settings.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace troupe::config {

/// Checked, typed access to one section of a config file (or to the whole
/// file). CAF 0.17 silently keeps the default when a value in a config file
/// has the wrong type; this reader instead checks the type and range of
/// every value it reads and records a problem naming the file, the full key
/// and what was expected. Keys that nobody read are problems too (reported
/// by `finish()`), so a misspelled key never goes unnoticed.
///
/// Every `read` leaves `out` untouched when the key is absent or invalid and
/// returns whether it stored a value. Readers of nested sections share the
/// problems of the reader they came from. Not thread-safe.
class config_reader {
 public:
  /// The largest value of `Int` a config file can hold (CAF's integers are
  /// 64-bit signed).
  template <class Int>
  static constexpr Int max_integer() {
    constexpr auto limit = std::numeric_limits<int64_t>::max();
    return static_cast<uint64_t>(std::numeric_limits<Int>::max()) > limit
             ? static_cast<Int>(limit)
             : std::numeric_limits<Int>::max();
  }

  /// Reads `root`, the parsed content of `file` (the name used in messages).
  config_reader(std::string file, const caf::settings& root);

  // -- scalar values ----------------------------------------------------------

  bool read(std::string_view key, std::string& out);

  bool read(std::string_view key, bool& out);

  /// A whole number in [min, max]; for uint16_t, uint32_t, uint64_t and
  /// int32_t.
  template <class Int, class = std::enable_if_t<
                         std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
  bool read(std::string_view key, Int& out,
            Int min = std::numeric_limits<Int>::min(),
            Int max = max_integer<Int>());

  bool read(std::string_view key, double& out, double min, double max);

  /// A duration: a CAF timespan (`250ms`, `2s`, `5min`) or a string such as
  /// "1.5s". Bare numbers are refused: their unit would be a guess.
  bool read_duration(std::string_view key, caf::timespan& out,
                     caf::timespan min = caf::timespan{0},
                     caf::timespan max = caf::timespan::max());

  /// A size: a whole number of bytes or a string such as "16MiB".
  bool read_bytes(std::string_view key, uint64_t& out, uint64_t min = 0,
                  uint64_t max = std::numeric_limits<int64_t>::max());

  /// A list of strings, e.g. `["a", "b"]`.
  bool read(std::string_view key, std::vector<std::string>& out);

  /// A map of strings, e.g. `{ FOO = "bar" }`.
  bool read(std::string_view key, std::map<std::string, std::string>& out);

  /// A list of maps of strings, e.g. `[{ a = "x" }, { a = "y" }]`.
  bool read(std::string_view key,
            std::vector<std::map<std::string, std::string>>& out);

  /// Reads into an optional, which stays empty when the key is absent.
  template <class T, class... Ts>
  bool read(std::string_view key, std::optional<T>& out, Ts... bounds) {
    T tmp{};
    if (!read(key, tmp, bounds...))
      return false;
    out = std::move(tmp);
    return true;
  }

  template <class... Ts>
  bool read_duration(std::string_view key, std::optional<caf::timespan>& out,
                     Ts... bounds) {
    caf::timespan tmp{0};
    if (!read_duration(key, tmp, bounds...))
      return false;
    out = tmp;
    return true;
  }

  template <class... Ts>
  bool
  read_bytes(std::string_view key, std::optional<uint64_t>& out, Ts... bounds) {
    uint64_t tmp = 0;
    if (!read_bytes(key, tmp, bounds...))
      return false;
    out = tmp;
    return true;
  }

  // -- structure --------------------------------------------------------------

  /// Whether `key` is present in this section.
  bool has(std::string_view key) const;

  /// The nested section `key` (written `[parent.key]` or `key = { ... }`);
  /// nothing when it is absent, or when it is not a section (a problem).
  std::optional<config_reader> section(std::string_view key);

  /// The keys of this section, sorted; for sections of named entries such
  /// as `[skills.NAME]`. Listing does not count as reading them.
  std::vector<std::string> keys() const;

  /// The full dotted name of `key` in this section, for messages.
  std::string full_key(std::string_view key) const;

  // -- problems ---------------------------------------------------------------

  /// Records a problem with `key` that a typed read cannot see (a value that
  /// conflicts with another one, say). `key` may be empty for the section.
  void fail(std::string_view key, const std::string& what);

  /// Whether any problem was recorded so far.
  bool failed() const;

  /// Marks every key below this section as read (for sections another
  /// component reads in its own way).
  void accept_all();

  /// Marks `key` as read without reading it (a key already reported as a
  /// problem of its own, which must not also show up as unknown).
  void ignore(std::string_view key) {
    find(key);
  }

  /// Reports keys nobody read as problems, then returns all problems as one
  /// `error_code::invalid_config` error (none when the file was fine).
  [[nodiscard]] caf::error finish();

 private:
  struct section_state {
    std::string path;
    const caf::settings* values;
    std::set<std::string, std::less<>> used;
  };

  struct shared_state {
    std::string file;
    std::vector<std::string> problems;
    std::vector<section_state> sections;
  };

  config_reader(std::shared_ptr<shared_state> shared, size_t index);

  section_state& state() const {
    return shared_->sections[index_];
  }

  /// The value of `key`, marked as read; null when absent.
  const caf::config_value* find(std::string_view key);

  bool read_string_map(const std::string& where, const caf::settings& xs,
                       std::map<std::string, std::string>& out);

  void wrong_type(std::string_view key, const caf::config_value& value,
                  const std::string& expected);

  std::shared_ptr<shared_state> shared_;
  size_t index_;
};

} // namespace troupe::config
