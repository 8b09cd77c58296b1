#pragma once

#include "actors/door/bearer_token.hpp"
#include "actors/door/role.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::door {

/// Where `troupe tokens` reads and writes when not given `--file`: a file of
/// that name in the current directory.
inline constexpr std::string_view default_tokens_file = "troupe-tokens";

/// The largest tokens file troupe reads (a line is about 100 bytes).
inline constexpr size_t max_tokens_file_bytes = 4 * 1024 * 1024;

/// The largest value of `in-flight`, `rate` and `burst`: far above what one
/// node runs, and small enough that the admission arithmetic cannot
/// overflow.
inline constexpr uint64_t max_token_limit = 1'000'000;

/// The most characters in a token's name.
inline constexpr size_t max_token_name = 64;

/// What one token may hold at once and how fast it may submit; an absent
/// limit is no limit.
struct token_limits {
  /// Jobs submitted with the token and not yet answered.
  std::optional<uint64_t> in_flight;
  /// Jobs per second, sustained.
  std::optional<uint64_t> rate;
  /// Jobs that may arrive at once after a quiet spell: the rate's bucket
  /// size. Only with `rate`; defaults to it.
  std::optional<uint64_t> burst;

  /// The bucket size in force: `burst`, else `rate`, else none.
  std::optional<uint64_t> effective_burst() const noexcept {
    return burst ? burst : rate;
  }
};

/// One line of a tokens file: a named token, its role and limits, and the
/// digest that identifies it.
struct token_entry {
  /// Who holds the token, for logs and for results it owns. Letters,
  /// digits and `.`, `_`, `-`, starting with a letter or digit.
  std::string name;
  door::role role = door::role::submit;
  token_digest digest{};
  token_limits limits;
};

/// Why `entry` may not go into a tokens file (a bad name or a limit out of
/// range), or none when it may.
std::optional<std::string> check_entry(const token_entry& entry);

/// `entry` as a line of a tokens file, without the newline:
/// `NAME ROLE sha256:HEX [in-flight=N] [rate=N] [burst=N]`.
std::string format_entry(const token_entry& entry);

/// A tokens file, checked: its entries in file order and what is worth a
/// warning about it (say, that other users may read it).
struct token_file {
  std::vector<token_entry> entries;
  std::vector<std::string> warnings;
};

/// Parses the text of a tokens file; `origin` names it in errors. Every line
/// is checked and every bad one reported (`origin:LINE: what`), each error
/// on its own line of the error's message.
[[nodiscard]] caf::expected<token_file>
parse_token_file(std::string_view text, const std::string& origin);

/// Reads and parses the tokens file at `path`. Refuses a file that is not a
/// regular file, one other users may write (they could give themselves any
/// role) or one larger than `max_tokens_file_bytes`; a file others may read
/// is loaded with a warning.
[[nodiscard]] caf::expected<token_file>
load_token_file(const std::string& path);

/// Appends `entry` to the tokens file at `path`, creating the file with
/// mode 0600 when absent. Refuses an entry `check_entry` refuses, a name or
/// digest already in the file, and a file `load_token_file` would refuse;
/// concurrent appends are serialised with a lock on the file.
[[nodiscard]] caf::error append_token(const std::string& path,
                                      const token_entry& entry);

} // namespace troupe::door
