#include "messages/wire/json_reader.hpp"

#include "messages/errors.hpp"
#include "messages/wire/utf8.hpp"

#include <cmath>
#include <cstdlib>

namespace troupe::wire {

namespace {

constexpr int max_depth = 64;

class parser {
 public:
  explicit parser(std::string_view text) : text_(text) {}

  caf::expected<json_value> document() {
    json_value out;
    skip_space();
    if (!value(out, 0))
      return error();
    skip_space();
    if (pos_ != text_.size()) {
      fail("end of input after the value");
      return error();
    }
    return out;
  }

 private:
  caf::error error() const {
    return caf::make_error(error_code::malformed_message,
                           "invalid JSON at column " + std::to_string(at_ + 1)
                             + ": expected " + expected_);
  }

  bool fail(const char* what) {
    if (expected_.empty()) {
      expected_ = what;
      at_ = pos_;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size()
           && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n'
               || text_[pos_] == '\r'))
      ++pos_;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      return fail("a value");
    pos_ += word.size();
    return true;
  }

  bool value(json_value& out, int depth) {
    if (depth > max_depth)
      return fail("less deeply nested values (at most 64 levels)");
    if (pos_ >= text_.size())
      return fail("a value");
    switch (text_[pos_]) {
      case '{':
        return object(out, depth);
      case '[':
        return array(out, depth);
      case '"': {
        std::string str;
        if (!string(str))
          return false;
        out.data = std::move(str);
        return true;
      }
      case 't':
        out.data = true;
        return literal("true");
      case 'f':
        out.data = false;
        return literal("false");
      case 'n':
        out.data = nullptr;
        return literal("null");
      default:
        return number(out);
    }
  }

  bool object(json_value& out, int depth) {
    ++pos_; // '{'
    json_value::object members;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      out.data = std::move(members);
      return true;
    }
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return fail("a quoted member name");
      std::string key;
      if (!string(key))
        return false;
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':')
        return fail("':' after a member name");
      ++pos_;
      skip_space();
      json_value member;
      if (!value(member, depth + 1))
        return false;
      members.emplace_back(std::move(key), std::move(member));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        out.data = std::move(members);
        return true;
      }
      return fail("',' or '}' in an object");
    }
  }

  bool array(json_value& out, int depth) {
    ++pos_; // '['
    json_value::array items;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      out.data = std::move(items);
      return true;
    }
    for (;;) {
      skip_space();
      json_value item;
      if (!value(item, depth + 1))
        return false;
      items.push_back(std::move(item));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        out.data = std::move(items);
        return true;
      }
      return fail("',' or ']' in an array");
    }
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(uint32_t& out) {
    if (pos_ + 4 > text_.size())
      return fail("four hex digits after \\u");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      auto c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        out |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        out |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return fail("four hex digits after \\u");
    }
    return true;
  }

  bool string(std::string& out) {
    ++pos_; // '"'
    for (;;) {
      if (pos_ >= text_.size())
        return fail("a closing '\"'");
      auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20)
        return fail("no raw control characters in a string (use \\n, "
                    "\\t, \\u00XX)");
      if (c >= 0x80) {
        // JSON text is UTF-8 (RFC 8259, section 8.1); protobuf would refuse
        // anything else later, far from the line that caused it.
        auto n = utf8::sequence_length(text_, pos_);
        if (n == 0)
          return fail("valid UTF-8 (JSON text must be UTF-8)");
        out.append(text_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      if (++pos_ >= text_.size())
        return fail("an escape after '\\'");
      switch (text_[pos_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp))
            return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (text_.substr(pos_, 2) != "\\u")
              return fail("a low surrogate after a high one");
            pos_ += 2;
            if (!hex4(low))
              return false;
            if (low < 0xDC00 || low > 0xDFFF)
              return fail("a low surrogate after a high one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("a high surrogate before a low one");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          return fail("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
      }
    }
  }

  bool number(json_value& out) {
    auto start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-')
      ++pos_;
    auto digits = [&] {
      auto from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
        ++pos_;
      return pos_ - from;
    };
    auto int_start = pos_;
    if (digits() == 0)
      return fail("a value");
    if (text_[int_start] == '0' && pos_ - int_start > 1)
      return fail("no leading zeros in a number");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0)
        return fail("digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-'))
        ++pos_;
      if (digits() == 0)
        return fail("digits in the exponent");
    }
    std::string num{text_.substr(start, pos_ - start)};
    auto x = std::strtod(num.c_str(), nullptr);
    if (!std::isfinite(x))
      return fail("a number within range");
    out.data = x;
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t at_ = 0;
  std::string expected_;
};

} // namespace

const json_value* json_value::find(std::string_view key) const noexcept {
  auto* members = get_if<object>();
  if (members == nullptr)
    return nullptr;
  for (auto& [k, v] : *members)
    if (k == key)
      return &v;
  return nullptr;
}

const char* json_value::type_name() const noexcept {
  switch (data.index()) {
    case 0:
      return "null";
    case 1:
      return "a boolean";
    case 2:
      return "a number";
    case 3:
      return "a string";
    case 4:
      return "an array";
    default:
      return "an object";
  }
}

caf::expected<json_value> parse_json(std::string_view text) {
  return parser{text}.document();
}

} // namespace troupe::wire
