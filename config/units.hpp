#pragma once

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace troupe::config {

/// The longest duration troupe can hold: a `caf::timespan` counts
/// nanoseconds in 64 bits (about 292 years). Longer values are refused, never
/// wrapped.
inline constexpr caf::timespan max_duration = caf::timespan::max();

/// The largest size troupe reads (a config file's integers are 64-bit
/// signed).
inline constexpr uint64_t max_size
  = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

/// Whether `name` is a duration unit: ns, us, ms, s, m or min, h (any
/// case).
bool is_duration_unit(std::string_view name);

/// `number` (digits with an optional decimal fraction, no sign) times a
/// duration `unit`: ns, us, ms, s, m or min, h (any case). Exact: a fraction
/// of a nanosecond is dropped, and a product beyond `max_duration` is an
/// error, not a wrapped value.
[[nodiscard]] caf::expected<caf::timespan>
scale_duration(std::string_view number, std::string_view unit);

/// Parses "250ms", "2s", "1.5s", "3m" or a bare number of milliseconds
/// (the form of the command line's options and of duration strings).
[[nodiscard]] caf::expected<caf::timespan>
parse_duration(const std::string& str);

/// Parses "16MiB", "512KiB", "1GiB", "1TiB", "1000" (bytes); also KB, MB,
/// GB and TB as powers of 1000. Sizes beyond `max_size` are an error.
[[nodiscard]] caf::expected<uint64_t> parse_bytes(const std::string& str);

/// A duration as a config file writes it, in the largest unit that keeps it
/// whole: "8760h", "1500ms", "0s".
std::string duration_literal(caf::timespan x);

/// A size as a config file writes it, in the largest binary unit that keeps
/// it whole: "1GiB", "1536KiB", "1000".
std::string bytes_literal(uint64_t x);

/// "in 1ms..8760h", or "of at least 1ms" when `max` is `max_duration`.
std::string duration_range(caf::timespan min, caf::timespan max);

/// "expected a duration in 1ms..8760h, got 9000h": what a value out of
/// range is told.
std::string duration_range_problem(caf::timespan value, caf::timespan min,
                                   caf::timespan max);

/// "in 1..1GiB".
std::string size_range(uint64_t min, uint64_t max);

/// "expected a size in 1..1GiB, got 2GiB".
std::string size_range_problem(uint64_t value, uint64_t min, uint64_t max);

/// A duration as people write it: "2 s", "250 ms", "1.5 s" (for messages).
std::string duration_text(caf::timespan x);

} // namespace troupe::config
