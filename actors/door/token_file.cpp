#include "actors/door/token_file.hpp"

#include "messages/errors.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <variant>

namespace troupe::door {

namespace {

constexpr std::string_view digest_scheme = "sha256:";

// Past this many, more errors would only bury the first ones.
constexpr size_t max_reported_errors = 20;

constexpr std::string_view line_shape
  = "expected NAME ROLE sha256:HEX [in-flight=N] [rate=N] [burst=N]";

caf::error file_error(const std::string& path, const std::string& what) {
  return caf::make_error(error_code::invalid_config, path + ": " + what);
}

std::string to_hex(const token_digest& digest) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * digest.size());
  for (auto b : digest) {
    out += hex[b >> 4];
    out += hex[b & 0x0F];
  }
  return out;
}

std::optional<token_digest> parse_digest(std::string_view field) {
  if (field.substr(0, digest_scheme.size()) != digest_scheme)
    return std::nullopt;
  auto hex = field.substr(digest_scheme.size());
  token_digest out;
  if (hex.size() != 2 * out.size())
    return std::nullopt;
  for (size_t i = 0; i < out.size(); ++i) {
    auto hi = OPENSSL_hexchar2int(static_cast<unsigned char>(hex[2 * i]));
    auto lo = OPENSSL_hexchar2int(static_cast<unsigned char>(hex[2 * i + 1]));
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::optional<uint64_t> parse_count(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

bool is_name_char(char c) noexcept {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'
         || c == '-';
}

// Splits on runs of blanks; `#` starts a comment that runs to the end.
std::vector<std::string_view> fields_of(std::string_view line) {
  line = line.substr(0, line.find('#'));
  std::vector<std::string_view> out;
  size_t pos = 0;
  for (;;) {
    pos = line.find_first_not_of(" \t\r", pos);
    if (pos == std::string_view::npos)
      return out;
    auto end = line.find_first_of(" \t\r", pos);
    out.push_back(line.substr(pos, end - pos));
    if (end == std::string_view::npos)
      return out;
    pos = end;
  }
}

// Sets one `KEY=N` option of a line; the error otherwise.
std::optional<std::string> set_option(token_limits& limits,
                                      std::string_view item) {
  auto eq = item.find('=');
  if (eq == std::string_view::npos)
    return "expected KEY=N after the hash, got '" + std::string{item} + "'";
  auto key = item.substr(0, eq);
  std::optional<uint64_t>* slot = nullptr;
  if (key == "in-flight")
    slot = &limits.in_flight;
  else if (key == "rate")
    slot = &limits.rate;
  else if (key == "burst")
    slot = &limits.burst;
  else
    return "unknown key '" + std::string{key}
           + "' (expected in-flight, rate or burst)";
  if (slot->has_value())
    return "'" + std::string{key} + "' given twice";
  auto value = parse_count(item.substr(eq + 1));
  if (!value)
    return std::string{key} + ": expected a whole number, got '"
           + std::string{item.substr(eq + 1)} + "'";
  *slot = *value;
  return std::nullopt;
}

// One line with at least one field: the entry, or what is wrong with it.
std::variant<token_entry, std::string>
parse_line(const std::vector<std::string_view>& fields) {
  if (fields.size() < 3)
    return std::string{line_shape};
  token_entry entry;
  entry.name = std::string{fields[0]};
  auto r = parse_role(fields[1]);
  if (!r)
    return "unknown role '" + std::string{fields[1]}
           + "' (expected submit, operate or admin)";
  entry.role = *r;
  auto digest = parse_digest(fields[2]);
  if (!digest) {
    // The field is not echoed: it may be a token pasted by mistake.
    std::string why = "the third field must be sha256: and 64 hex digits";
    if (fields[2].substr(0, token_prefix.size()) == token_prefix)
      why += " (this looks like a token itself: only its digest belongs "
             "here; `troupe tokens add` writes it)";
    return why;
  }
  entry.digest = *digest;
  for (size_t i = 3; i < fields.size(); ++i)
    if (auto err = set_option(entry.limits, fields[i]))
      return *err;
  if (auto err = check_entry(entry))
    return *err;
  return entry;
}

// Collects errors of a file up to `max_reported_errors`, one a line.
class error_list {
 public:
  explicit error_list(const std::string& origin) : origin_(origin) {
    // nop
  }

  void add(size_t line, const std::string& what) {
    if (++count_ <= max_reported_errors)
      text_ += (text_.empty() ? "" : "\n") + origin_ + ":"
               + std::to_string(line) + ": " + what;
  }

  bool empty() const noexcept {
    return count_ == 0;
  }

  caf::error error() const {
    auto text = text_;
    if (count_ > max_reported_errors)
      text += "\n" + origin_ + ": "
              + std::to_string(count_ - max_reported_errors)
              + " more errors not shown";
    return caf::make_error(error_code::invalid_config, std::move(text));
  }

 private:
  const std::string& origin_;
  std::string text_;
  size_t count_ = 0;
};

// Other users who could write the file could give themselves any role, so
// such a file is refused. Reading it gives them names, roles and digests;
// the digest of 256 random bits cannot be reversed, so that only warrants
// a warning (and keeps shared read-only deployments working).
caf::error check_opened(int fd, const std::string& path,
                        std::vector<std::string>* warnings) {
  struct stat sb;
  if (::fstat(fd, &sb) != 0)
    return file_error(path, std::string{"cannot stat the tokens file ("}
                              + std::strerror(errno) + ")");
  if (!S_ISREG(sb.st_mode))
    return file_error(path, "the tokens file is not a regular file");
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o",
                static_cast<unsigned>(sb.st_mode & 07777));
  if (sb.st_mode & (S_IWGRP | S_IWOTH))
    return file_error(path, std::string{"other users may write the tokens "
                                        "file (mode "}
                              + mode + "); chmod 600 it");
  if (warnings != nullptr && (sb.st_mode & (S_IRGRP | S_IROTH)))
    warnings->push_back(path + ": other users may read the tokens file (mode "
                        + mode + "); chmod 600 it");
  return caf::error{};
}

caf::expected<std::string> read_all(int fd, const std::string& path) {
  std::string text;
  char buf[16 * 1024];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return file_error(path, std::string{"cannot read the tokens file ("}
                                + std::strerror(errno) + ")");
    if (n == 0)
      return text;
    if (text.size() + static_cast<size_t>(n) > max_tokens_file_bytes)
      return file_error(path, "the tokens file is larger than "
                                + std::to_string(max_tokens_file_bytes)
                                + " bytes");
    text.append(buf, static_cast<size_t>(n));
  }
}

caf::error write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return file_error(path, std::string{"cannot write the tokens file ("}
                                + std::strerror(errno) + ")");
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0)
    return file_error(path, std::string{"cannot sync the tokens file ("}
                              + std::strerror(errno) + ")");
  return caf::error{};
}

// Closes a descriptor on every way out.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

std::optional<std::string> check_entry(const token_entry& entry) {
  const auto& name = entry.name;
  if (name.empty() || name.size() > max_token_name
      || !std::isalnum(static_cast<unsigned char>(name[0]))
      || !std::all_of(name.begin(), name.end(), is_name_char))
    return "bad name '" + name + "': 1 to " + std::to_string(max_token_name)
           + " letters, digits, '.', '_' or '-', starting with a letter or "
             "digit";
  auto check
    = [](const char* key,
         const std::optional<uint64_t>& value) -> std::optional<std::string> {
    if (value && (*value < 1 || *value > max_token_limit))
      return std::string{key} + ": expected 1 to "
             + std::to_string(max_token_limit) + ", got "
             + std::to_string(*value) + " (leave it out for no limit)";
    return std::nullopt;
  };
  const auto& l = entry.limits;
  if (auto err = check("in-flight", l.in_flight))
    return err;
  if (auto err = check("rate", l.rate))
    return err;
  if (auto err = check("burst", l.burst))
    return err;
  if (l.burst && !l.rate)
    return std::string{"burst is the size of the rate's bucket: it needs a "
                       "rate"};
  return std::nullopt;
}

std::string format_entry(const token_entry& entry) {
  std::string out = entry.name;
  out += ' ';
  out += to_string(entry.role);
  out += ' ';
  out += digest_scheme;
  out += to_hex(entry.digest);
  auto option = [&out](const char* key, const std::optional<uint64_t>& value) {
    if (value)
      out += std::string{" "} + key + "=" + std::to_string(*value);
  };
  option("in-flight", entry.limits.in_flight);
  option("rate", entry.limits.rate);
  option("burst", entry.limits.burst);
  return out;
}

caf::expected<token_file> parse_token_file(std::string_view text,
                                           const std::string& origin) {
  token_file result;
  error_list errors{origin};
  // Where each name and digest first stood, to name it in a duplicate.
  std::unordered_map<std::string, size_t> names;
  std::unordered_map<std::string, std::pair<std::string, size_t>> digests;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    auto fields = fields_of(line);
    if (fields.empty())
      continue;
    auto parsed = parse_line(fields);
    if (auto* why = std::get_if<std::string>(&parsed)) {
      errors.add(line_no, *why);
      continue;
    }
    auto& entry = std::get<token_entry>(parsed);
    auto [name_at, new_name] = names.emplace(entry.name, line_no);
    if (!new_name) {
      errors.add(line_no, "duplicate name '" + entry.name + "' (first on line "
                            + std::to_string(name_at->second) + ")");
      continue;
    }
    auto [digest_at, new_digest] = digests.emplace(
      to_hex(entry.digest), std::make_pair(entry.name, line_no));
    if (!new_digest) {
      errors.add(line_no, "the same token as '" + digest_at->second.first
                            + "' (line "
                            + std::to_string(digest_at->second.second) + ")");
      continue;
    }
    result.entries.push_back(std::move(entry));
  }
  if (!errors.empty())
    return errors.error();
  return result;
}

caf::expected<token_file> load_token_file(const std::string& path) {
  fd_guard file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    return file_error(path, std::string{"cannot open the tokens file ("}
                              + std::strerror(errno) + ")");
  std::vector<std::string> warnings;
  if (auto err = check_opened(file.fd, path, &warnings))
    return err;
  auto text = read_all(file.fd, path);
  if (!text)
    return text.error();
  auto parsed = parse_token_file(*text, path);
  if (parsed)
    parsed->warnings = std::move(warnings);
  return parsed;
}

caf::error append_token(const std::string& path, const token_entry& entry) {
  // Checked before the file is touched, so that a refused entry never
  // leaves an empty file behind.
  if (auto err = check_entry(entry))
    return file_error(path, *err);
  fd_guard file{::open(path.c_str(),
                       O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (file.fd >= 0) {
    // The umask may have taken bits away; the mode is part of the contract.
    ::fchmod(file.fd, 0600);
  } else if (errno == EEXIST) {
    file.fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  }
  if (file.fd < 0)
    return file_error(path, std::string{"cannot open the tokens file ("}
                              + std::strerror(errno) + ")");
  // Two concurrent adds of one name must not both succeed.
  while (::flock(file.fd, LOCK_EX) != 0)
    if (errno != EINTR)
      return file_error(path, std::string{"cannot lock the tokens file ("}
                                + std::strerror(errno) + ")");
  if (auto err = check_opened(file.fd, path, nullptr))
    return err;
  auto text = read_all(file.fd, path);
  if (!text)
    return text.error();
  auto existing = parse_token_file(*text, path);
  if (!existing)
    return existing.error();
  for (const auto& other : existing->entries)
    if (other.name == entry.name)
      return file_error(path, "a token named '" + entry.name
                                + "' is already in the tokens file");
  std::string line;
  if (!text->empty() && text->back() != '\n')
    line += '\n';
  line += format_entry(entry);
  line += '\n';
  // The file as it will be, checked as a node will load it.
  if (auto after = parse_token_file(*text + line, path); !after)
    return after.error();
  return write_all(file.fd, line, path);
}

} // namespace troupe::door
