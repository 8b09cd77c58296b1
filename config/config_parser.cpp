#include "config/config_parser.hpp"

#include "config/units.hpp"
#include "messages/errors.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace troupe::config {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_key_start(char c) {
  return is_letter(c) || is_digit(c) || c == '_';
}

bool is_key_char(char c) {
  return is_key_start(c) || c == '-';
}

int hex_digit(char c) {
  if (is_digit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view str) {
  size_t i = 0;
  while (i < str.size()) {
    auto c = static_cast<unsigned char>(str[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (str.size() - i < len)
      return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(str[i + k]);
      if ((cc & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
        || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    i += len;
  }
  return true;
}

// Text from the file quoted in a message, cut short if long.
std::string quoted(std::string_view text) {
  if (text.size() > 40)
    return "'" + std::string{text.substr(0, 37)} + "...'";
  return "'" + std::string{text} + "'";
}

// A problem found while parsing. Thrown inside the parser only (and caught
// by parse_config_text), which keeps the recursive descent free of error
// plumbing.
struct parse_failure {
  size_t line;
  std::string what;
};

// One step of the path to the value being read, for messages: a key, or
// the n-th element of a list.
struct segment {
  std::string_view key;
  size_t index = 0;
};

// A recursive descent over the dialect described in config_parser.hpp. Its
// recursion (lists, maps) stops at max_config_depth; everything else is a
// loop.
class parser {
 public:
  explicit parser(std::string_view text) : text_(text) {
    // A byte order mark some editors write carries no meaning.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF")
      pos_ = 3;
  }

  caf::settings run() {
    caf::settings root;
    std::vector<std::string_view> section{"global"};
    bool global = true;
    for (;;) {
      skip_space_and_lines();
      if (at_end())
        return root;
      if (peek() == '[') {
        section = read_section_header();
        global = false;
        section_map(root, section);
      } else if (is_key_start(peek())) {
        read_entry(root, section, global);
      } else {
        syntax("expected a key, a [section] or a ; comment, got "
               + shown_char());
      }
    }
  }

 private:
  // -- characters -------------------------------------------------------------

  bool at_end() const {
    return pos_ >= text_.size();
  }

  char peek(size_t offset = 0) const {
    return pos_ + offset < text_.size() ? text_[pos_ + offset] : '\0';
  }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }

  // Spaces, tabs and the \r of a \r\n line end.
  void skip_blanks() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\r')
      ++pos_;
  }

  // A comment up to (not including) its line's end.
  void skip_comment() {
    while (!at_end() && peek() != '\n')
      ++pos_;
  }

  void skip_space_and_lines() {
    for (;;) {
      skip_blanks();
      if (peek() == ';')
        skip_comment();
      else if (peek() == '\n')
        advance();
      else
        return;
    }
  }

  std::string shown_char() const {
    if (at_end())
      return "the end of the file";
    auto c = static_cast<unsigned char>(peek());
    if (c == '\n')
      return "the end of the line";
    if (c >= 0x20 && c < 0x7F)
      return std::string{"'"} + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof(buf), "byte 0x%02X", c);
    return buf;
  }

  // -- problems ---------------------------------------------------------------

  [[noreturn]] void fail_at(size_t line, std::string what) const {
    throw parse_failure{line, std::move(what)};
  }

  [[noreturn]] void fail(std::string what) const {
    fail_at(line_, std::move(what));
  }

  [[noreturn]] void syntax(const std::string& what) const {
    fail("syntax error at column " + std::to_string(pos_ - line_start_ + 1)
         + ": " + what);
  }

  // The full name of the value being read, e.g. "cache.preload-jobs[1]";
  // cut short when deep.
  std::string where() const {
    std::string out;
    for (auto& seg : path_) {
      if (out.size() > 80)
        return out + "...";
      if (seg.index > 0) {
        out += "[" + std::to_string(seg.index) + "]";
        continue;
      }
      if (!out.empty())
        out += ".";
      out += seg.key;
    }
    return out;
  }

  void check_depth(size_t depth) const {
    if (depth > max_config_depth)
      fail(where() + ": nested more than " + std::to_string(max_config_depth)
           + " levels deep (section names, lists and maps count); troupe "
             "reads at most "
           + std::to_string(max_config_depth));
  }

  // -- structure --------------------------------------------------------------

  std::string_view read_key() {
    auto start = pos_;
    while (is_key_char(peek()))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // "[a.b]" -> {"a", "b"}.
  std::vector<std::string_view> read_section_header() {
    advance(); // '['
    skip_blanks();
    std::vector<std::string_view> names;
    for (;;) {
      if (!is_key_start(peek()))
        syntax("expected a section name such as [node], got " + shown_char());
      names.push_back(read_key());
      if (names.size() > max_config_depth)
        fail("section name nested more than " + std::to_string(max_config_depth)
             + " levels deep; troupe reads at most "
             + std::to_string(max_config_depth));
      if (peek() != '.')
        break;
      advance();
    }
    skip_blanks();
    if (peek() != ']')
      syntax("expected ']' to close the section name, got " + shown_char());
    advance();
    return names;
  }

  // The map of section `names`, created if need be.
  caf::settings& section_map(caf::settings& root,
                             const std::vector<std::string_view>& names) {
    auto* map = &root;
    for (size_t i = 0; i < names.size(); ++i) {
      caf::string_view name{names[i].data(), names[i].size()};
      auto at = map->find(name);
      if (at == map->end()) {
        (*map)[name] = caf::config_value{caf::settings{}};
        at = map->find(name);
        lines_[{map, std::string{names[i]}}] = line_;
      }
      auto* next = caf::get_if<caf::settings>(&at->second.get_data());
      if (next == nullptr) {
        std::string prefix;
        for (size_t k = 0; k <= i; ++k)
          prefix += (k > 0 ? "." : "") + std::string{names[k]};
        auto first = line_of(map, names[i], 0);
        fail(prefix + " is a value"
             + (first > 0 ? " (line " + std::to_string(first) + ")" : "")
             + ", not a section");
      }
      map = next;
    }
    return *map;
  }

  // `key = value` in a section.
  void read_entry(caf::settings& root,
                  const std::vector<std::string_view>& section, bool global) {
    auto line = line_;
    path_.clear();
    if (!global)
      for (auto& name : section)
        path_.push_back({name});
    auto key = read_key();
    path_.push_back({key});
    auto value = read_assignment(section.size() + 1);
    skip_blanks();
    if (peek() == ';')
      skip_comment();
    else if (peek() == '\n')
      advance();
    else if (!at_end())
      syntax("unexpected " + shown_char() + " after the value of " + where()
             + " (one key per line)");
    put(section_map(root, section), key, std::move(value), line, 0);
  }

  // "= value" or "{ ... }" after a key; `depth` is that of the value.
  caf::config_value read_assignment(size_t depth) {
    skip_blanks();
    if (peek() == '=') {
      advance();
      skip_blanks();
    } else if (peek() != '{') {
      syntax("expected '=' after " + where() + ", got " + shown_char());
    }
    return read_value(depth);
  }

  // Line where `key` was set in `map` (a map of the tree, whose address is
  // stable), or `fallback`.
  size_t line_of(const caf::settings* map, std::string_view key,
                 size_t fallback) const {
    auto i = lines_.find({map, std::string{key}});
    return i != lines_.end() ? i->second : fallback;
  }

  // Stores `value` at `key` of `into`, a map of the tree. A map merges with
  // a map already there (a section may be written in parts: [skills.a] and
  // `a = { ... }` in [skills]); anything else set twice is an error, so that
  // no value is silently dropped. `path_` names `key`.
  void put(caf::settings& into, std::string_view key, caf::config_value value,
           size_t line, size_t parent_line) {
    caf::string_view name{key.data(), key.size()};
    auto at = into.find(name);
    if (at == into.end()) {
      into[name] = std::move(value);
      lines_[{&into, std::string{key}}] = line;
      return;
    }
    auto first = line_of(&into, key, parent_line);
    auto* lhs = caf::get_if<caf::settings>(&at->second.get_data());
    auto* rhs = caf::get_if<caf::settings>(&value.get_data());
    if (lhs != nullptr && rhs != nullptr) {
      for (auto& [k, v] : *rhs) {
        path_.push_back({k});
        put(*lhs, k, std::move(v), line, first);
        path_.pop_back();
      }
      return;
    }
    fail_at(line,
            where() + " is set twice"
              + (first > 0 ? " (first on line " + std::to_string(first) + ")"
                           : std::string{}));
  }

  // -- values -----------------------------------------------------------------

  caf::config_value read_value(size_t depth) {
    auto c = peek();
    if (c == '"' || c == '\'')
      return read_string(c);
    if (c == '[')
      return read_list(depth);
    if (c == '{')
      return read_map(depth);
    if (is_digit(c) || c == '+' || c == '-' || c == '.')
      return read_number();
    if (is_letter(c))
      return read_word();
    if (at_end() || c == '\n' || c == ';')
      syntax("missing the value of " + where());
    syntax("expected a value for " + where() + ", got " + shown_char());
  }

  caf::config_value read_list(size_t depth) {
    check_depth(depth);
    auto open_line = line_;
    auto unclosed = [&] {
      fail_at(open_line, "the list of " + where() + " has no closing ']'");
    };
    advance(); // '['
    caf::config_value::list xs;
    for (;;) {
      skip_space_and_lines();
      if (peek() == ']')
        break;
      if (at_end())
        unclosed();
      path_.push_back({{}, xs.size() + 1});
      xs.push_back(read_value(depth + 1));
      path_.pop_back();
      skip_space_and_lines();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == ']')
        break;
      if (at_end())
        unclosed();
      syntax("expected ',' or ']' in the list of " + where() + ", got "
             + shown_char());
    }
    advance(); // ']'
    return caf::config_value{std::move(xs)};
  }

  caf::config_value read_map(size_t depth) {
    check_depth(depth);
    auto open_line = line_;
    auto unclosed = [&] {
      fail_at(open_line, "the map of " + where() + " has no closing '}'");
    };
    advance(); // '{'
    caf::settings xs;
    // Line of each key, to name both places of a key set twice. This map
    // is not yet part of the tree (its address moves), hence not `lines_`.
    std::map<std::string_view, size_t> lines;
    for (;;) {
      skip_space_and_lines();
      if (peek() == '}')
        break;
      if (at_end())
        unclosed();
      if (!is_key_start(peek()))
        syntax("expected a key or '}' in the map of " + where() + ", got "
               + shown_char());
      auto line = line_;
      auto key = read_key();
      path_.push_back({key});
      auto value = read_assignment(depth + 1);
      if (auto [i, added] = lines.emplace(key, line); !added)
        fail_at(line, where() + " is set twice (first on line "
                        + std::to_string(i->second) + ")");
      xs[caf::string_view{key.data(), key.size()}] = std::move(value);
      path_.pop_back();
      skip_blanks();
      if (peek() == ',') {
        advance();
      } else if (peek() != '}' && peek() != '\n' && peek() != ';') {
        if (at_end())
          unclosed();
        syntax("expected ',', a new line or '}' in the map of " + where()
               + ", got " + shown_char());
      }
    }
    advance(); // '}'
    return caf::config_value{std::move(xs)};
  }

  // "text" with escapes, or 'text' without.
  caf::config_value read_string(char quote) {
    advance(); // the opening quote
    std::string out;
    for (;;) {
      if (at_end() || peek() == '\n')
        syntax("the string of " + where() + " does not end on its line (with "
               + quote + ")");
      auto c = peek();
      if (c == quote)
        break;
      if (c == '\\' && quote == '"') {
        ++pos_;
        switch (peek()) {
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case '\\':
          case '"':
            out += peek();
            break;
          default:
            syntax("unknown escape in the string of " + where()
                   + "; use \\\\, \\\", \\n, \\r or \\t");
        }
        ++pos_;
        continue;
      }
      auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && c != '\t') || byte == 0x7F)
        syntax("a control character (" + shown_char() + ") in the string of "
               + where() + "; write \\n, \\r or \\t instead");
      out += c;
      ++pos_;
    }
    advance(); // the closing quote
    if (!valid_utf8(out))
      fail("the string of " + where() + " is not valid UTF-8");
    return caf::config_value{std::move(out)};
  }

  // true or false; any other bare word is a mistake.
  caf::config_value read_word() {
    auto word = read_key();
    if (word == "true")
      return caf::config_value{true};
    if (word == "false")
      return caf::config_value{false};
    syntax(quoted(word) + " is not a value of " + where()
           + ": strings go in double quotes, booleans are true or false");
  }

  bool at_delimiter() const {
    auto c = peek();
    return at_end() || c == ' ' || c == '\t' || c == '\r' || c == '\n'
           || c == ',' || c == ']' || c == '}' || c == ';';
  }

  // A whole number, a decimal number or a duration.
  caf::config_value read_number() {
    auto start = pos_;
    bool negative = peek() == '-';
    if (peek() == '+' || peek() == '-')
      ++pos_;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X'))
      return read_radix(start, negative, 16);
    if (peek() == '0' && (peek(1) == 'b' || peek(1) == 'B'))
      return read_radix(start, negative, 2);
    auto number_start = pos_;
    bool digits = false;
    while (is_digit(peek())) {
      ++pos_;
      digits = true;
    }
    bool fraction = peek() == '.';
    if (fraction)
      for (++pos_; is_digit(peek()); ++pos_)
        digits = true;
    if (!digits)
      syntax("expected a number for " + where() + ", got "
             + quoted(text_.substr(start, pos_ + 1 - start)));
    bool exponent = false;
    if ((peek() == 'e' || peek() == 'E')
        && (is_digit(peek(1))
            || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
      exponent = true;
      pos_ += 2;
      while (is_digit(peek()))
        ++pos_;
    }
    auto number = text_.substr(number_start, pos_ - number_start);
    auto unit_start = pos_;
    while (is_letter(peek()))
      ++pos_;
    auto unit = text_.substr(unit_start, pos_ - unit_start);
    if (!at_delimiter())
      syntax("unexpected " + shown_char() + " in the number "
             + quoted(text_.substr(start, pos_ - start)) + " of " + where());
    auto token = quoted(text_.substr(start, pos_ - start));
    if (number.size() > 1 && number[0] == '0' && is_digit(number[1]))
      syntax(token
             + " has a leading zero, which CAF reads as octal; write "
               "the number without it");
    if (!unit.empty()) {
      if (!is_duration_unit(unit))
        syntax(token + " has an unknown unit " + quoted(unit)
               + ": durations take ns, us, ms, s, m or min, h; sizes go in "
                 "quotes (\"16MiB\")");
      if (exponent)
        syntax(token + ": a duration takes a plain number such as 1500ms");
      auto ts = scale_duration(number, unit);
      if (!ts)
        fail(where() + ": " + message_of(ts.error()));
      return caf::config_value{negative ? -*ts : *ts};
    }
    if (fraction || exponent) {
      std::string str{text_.substr(start, pos_ - start)};
      errno = 0;
      auto x = std::strtod(str.c_str(), nullptr);
      if (!std::isfinite(x) || (errno == ERANGE && std::fabs(x) > 1))
        fail(where() + ": " + token + " is out of range for a number");
      return caf::config_value{x};
    }
    return caf::config_value{whole(number, negative, 10, token)};
  }

  // 0x... or 0b..., after the sign.
  caf::config_value read_radix(size_t start, bool negative, int base) {
    pos_ += 2;
    auto digits_start = pos_;
    while (hex_digit(peek()) >= 0 && hex_digit(peek()) < base)
      ++pos_;
    auto digits = text_.substr(digits_start, pos_ - digits_start);
    while (is_key_char(peek()))
      ++pos_;
    auto token = quoted(text_.substr(start, pos_ - start));
    if (digits.empty() || pos_ != digits_start + digits.size())
      syntax(token + " is not a " + (base == 16 ? "hexadecimal" : "binary")
             + " number (" + where() + ")");
    if (!at_delimiter())
      syntax("unexpected " + shown_char() + " after the number " + token
             + " of " + where());
    return caf::config_value{whole(digits, negative, base, token)};
  }

  // The value of `digits` in `base`, refused when it does not fit int64.
  int64_t whole(std::string_view digits, bool negative, int base,
                const std::string& token) const {
    // The magnitude of the smallest int64 is one more than the largest.
    auto limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                 + (negative ? 1u : 0u);
    uint64_t magnitude = 0;
    for (auto c : digits) {
      auto d = static_cast<uint64_t>(hex_digit(c));
      if (magnitude > (limit - d) / static_cast<uint64_t>(base))
        fail(where() + ": " + token
             + " is out of range for a whole number (at most "
             + std::to_string(std::numeric_limits<int64_t>::max()) + ")");
      magnitude = magnitude * static_cast<uint64_t>(base) + d;
    }
    if (negative)
      return static_cast<int64_t>(0 - magnitude);
    return static_cast<int64_t>(magnitude);
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0;
  std::vector<segment> path_;
  std::map<std::pair<const caf::settings*, std::string>, size_t> lines_;
};

} // namespace

caf::expected<caf::settings> parse_config_text(std::string_view text,
                                               const std::string& origin) {
  try {
    return parser{text}.run();
  } catch (parse_failure& x) {
    return caf::make_error(error_code::invalid_config,
                           origin + ":" + std::to_string(x.line) + ": "
                             + x.what);
  }
}

} // namespace troupe::config
