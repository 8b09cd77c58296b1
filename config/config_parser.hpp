#pragma once

#include <caf/expected.hpp>
#include <caf/settings.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace troupe::config {

/// How deeply a config file may nest: section names (`[a.b]` is two levels),
/// lists and maps all count. Real files use three or four; the limit keeps
/// the parser's recursion, and that of everything walking the tree, short.
inline constexpr size_t max_config_depth = 64;

/// Parses text in CAF's config format (the INI dialect of CAF 0.17, which an
/// embedding CAF application can share) into a tree: `[a.b]` sections and
/// `key = { ... }` maps become nested settings. troupe reads the dialect
/// itself instead of through CAF's parser, which recurses without bound and
/// wraps durations that overflow. An error names `origin`, the line and what
/// is wrong: a syntax error (with its column), nesting deeper than
/// `max_config_depth`, a number or duration beyond what troupe can hold, a
/// key set twice, a string that is not UTF-8.
///
/// The dialect: `; comments`, `[section]` and `[section.sub]` headers, then
/// `key = value` lines. Values are whole numbers (also 0x hex and 0b binary;
/// a leading zero, octal to CAF, is refused as ambiguous), decimal numbers,
/// true/false, durations (a number and a unit: ns, us, ms, s, m or min, h),
/// "strings" (escapes \n \r \t \\ \"), 'strings' (no escapes), [lists] and
/// { maps } over several lines if need be. Keys before the first section go
/// into the section "global".
[[nodiscard]] caf::expected<caf::settings>
parse_config_text(std::string_view text, const std::string& origin);

} // namespace troupe::config
