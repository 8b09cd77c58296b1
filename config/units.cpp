#include "config/units.hpp"

#include "messages/errors.hpp"

#include <chrono>
#include <optional>

namespace troupe::config {

namespace {

struct unit {
  std::string_view name;
  uint64_t factor;
};

constexpr uint64_t ns_per_s = 1'000'000'000;

constexpr unit duration_units[] = {
  {"ns", 1},
  {"us", 1'000},
  {"ms", 1'000'000},
  {"s", ns_per_s},
  {"m", 60 * ns_per_s},
  {"min", 60 * ns_per_s},
  {"h", 3600 * ns_per_s},
};

constexpr uint64_t kib = 1024;

constexpr unit size_units[] = {
  {"", 1},
  {"b", 1},
  {"k", kib},
  {"kib", kib},
  {"m", kib* kib},
  {"mib", kib* kib},
  {"g", kib* kib* kib},
  {"gib", kib* kib* kib},
  {"t", kib* kib* kib* kib},
  {"tib", kib* kib* kib* kib},
  {"kb", 1'000},
  {"mb", 1'000'000},
  {"gb", 1'000'000'000},
  {"tb", 1'000'000'000'000},
};

template <size_t N>
std::optional<uint64_t>
factor_of(const unit (&units)[N], std::string_view name) {
  std::string lower{name};
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  for (auto& u : units)
    if (u.name == lower)
      return u.factor;
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

enum class scaled { ok, malformed, too_large };

// `number` (digits, optionally with a decimal fraction) times `factor`,
// computed exactly in 128 bits so that no step can wrap; a fraction of one
// unit of the result is dropped.
scaled scale(std::string_view number, uint64_t factor, uint64_t limit,
             uint64_t& out) {
  using wide = unsigned __int128;
  size_t i = 0;
  bool digits = false;
  bool too_large = false;
  wide whole = 0;
  for (; i < number.size() && is_digit(number[i]); ++i) {
    digits = true;
    // Beyond the limit the value is known to be too large; stop growing it
    // before 128 bits could wrap too.
    if (!too_large) {
      whole = whole * 10 + static_cast<unsigned>(number[i] - '0');
      too_large = whole > limit;
    }
  }
  wide fraction = 0;
  wide fraction_scale = 1;
  if (i < number.size() && number[i] == '.') {
    ++i;
    // Digits past the 18th are worth less than a nanosecond (or a byte).
    for (size_t kept = 0; i < number.size() && is_digit(number[i]); ++i) {
      digits = true;
      if (kept++ < 18) {
        fraction = fraction * 10 + static_cast<unsigned>(number[i] - '0');
        fraction_scale *= 10;
      }
    }
  }
  if (!digits || i != number.size())
    return scaled::malformed;
  if (too_large)
    return scaled::too_large;
  auto total = whole * factor + fraction * factor / fraction_scale;
  if (total > limit)
    return scaled::too_large;
  out = static_cast<uint64_t>(total);
  return scaled::ok;
}

// Splits "1.5s" into "1.5" and "s".
std::pair<std::string_view, std::string_view> split(std::string_view str) {
  size_t i = 0;
  while (i < str.size() && (is_digit(str[i]) || str[i] == '.'))
    ++i;
  return {str.substr(0, i), str.substr(i)};
}

caf::error invalid(std::string what) {
  return caf::make_error(error_code::invalid_config, std::move(what));
}

// Where durations end, in words a person can act on.
std::string duration_limit() {
  using namespace std::chrono;
  return "at most " + std::to_string(duration_cast<hours>(max_duration).count())
         + "h, about 292 years";
}

} // namespace

bool is_duration_unit(std::string_view name) {
  return factor_of(duration_units, name).has_value();
}

caf::expected<caf::timespan> scale_duration(std::string_view number,
                                            std::string_view unit) {
  auto text = "'" + std::string{number} + std::string{unit} + "'";
  auto factor = factor_of(duration_units, unit);
  if (!factor)
    return invalid(text + " has an unknown duration unit '" + std::string{unit}
                   + "' (use ns, us, ms, s, m or min, h)");
  uint64_t ns = 0;
  switch (
    scale(number, *factor, static_cast<uint64_t>(max_duration.count()), ns)) {
    case scaled::ok:
      return caf::timespan{static_cast<int64_t>(ns)};
    case scaled::malformed:
      return invalid(text + " is not a duration (e.g. 250ms, 2s)");
    case scaled::too_large:
      break;
  }
  return invalid(text + " is too long a duration (" + duration_limit() + ")");
}

caf::expected<caf::timespan> parse_duration(const std::string& str) {
  auto [number, unit] = split(str);
  if (number.empty())
    return invalid("'" + str + "' is not a duration (e.g. 250ms, 2s)");
  return scale_duration(number, unit.empty() ? "ms" : unit);
}

caf::expected<uint64_t> parse_bytes(const std::string& str) {
  auto [number, unit] = split(str);
  if (number.empty())
    return invalid("'" + str + "' is not a size (e.g. 16MiB)");
  auto factor = factor_of(size_units, unit);
  if (!factor)
    return invalid("'" + str + "' has an unknown size unit '"
                   + std::string{unit} + "' (use KiB, MiB, GiB or TiB)");
  uint64_t bytes = 0;
  switch (scale(number, *factor, max_size, bytes)) {
    case scaled::ok:
      return bytes;
    case scaled::malformed:
      return invalid("'" + str + "' is not a size (e.g. 16MiB)");
    case scaled::too_large:
      break;
  }
  return invalid("'" + str + "' is too large a size (at most "
                 + bytes_literal(max_size) + " bytes)");
}

std::string duration_literal(caf::timespan x) {
  auto count = x.count();
  // The magnitude as unsigned: negating the smallest int64 would overflow.
  auto magnitude = count < 0 ? 0 - static_cast<uint64_t>(count)
                             : static_cast<uint64_t>(count);
  std::string sign = count < 0 ? "-" : "";
  if (magnitude == 0)
    return "0s";
  static constexpr unit largest_first[] = {
    {"h", 3600 * ns_per_s}, {"min", 60 * ns_per_s}, {"s", ns_per_s},
    {"ms", 1'000'000},      {"us", 1'000},          {"ns", 1},
  };
  for (auto& u : largest_first)
    if (magnitude % u.factor == 0)
      return sign + std::to_string(magnitude / u.factor) + std::string{u.name};
  return sign + std::to_string(magnitude) + "ns"; // unreachable: ns divides
}

std::string bytes_literal(uint64_t x) {
  static constexpr unit largest_first[] = {
    {"TiB", kib * kib * kib * kib},
    {"GiB", kib * kib * kib},
    {"MiB", kib * kib},
    {"KiB", kib},
  };
  if (x != 0)
    for (auto& u : largest_first)
      if (x % u.factor == 0)
        return std::to_string(x / u.factor) + std::string{u.name};
  return std::to_string(x);
}

std::string duration_range(caf::timespan min, caf::timespan max) {
  if (max == max_duration)
    return "of at least " + duration_literal(min);
  return "in " + duration_literal(min) + ".." + duration_literal(max);
}

std::string duration_range_problem(caf::timespan value, caf::timespan min,
                                   caf::timespan max) {
  return "expected a duration " + duration_range(min, max) + ", got "
         + duration_literal(value);
}

std::string size_range(uint64_t min, uint64_t max) {
  return "in " + bytes_literal(min) + ".." + bytes_literal(max);
}

std::string size_range_problem(uint64_t value, uint64_t min, uint64_t max) {
  return "expected a size " + size_range(min, max) + ", got "
         + bytes_literal(value);
}

std::string duration_text(caf::timespan x) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(x).count();
  if (us < 1000)
    return std::to_string(us) + " us";
  auto ms = us / 1000;
  if (ms < 1000)
    return std::to_string(ms) + " ms";
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  auto tenths = (ms + 50) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

} // namespace troupe::config
