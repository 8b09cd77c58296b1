#include "actors/door/token_file.hpp"
#include "actors/door/token_table.hpp"
#include "messages/errors.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

using namespace troupe::door;
using troupe::message_of;

namespace {

const std::string hash_a = "sha256:" + std::string(64, 'a');
const std::string hash_b = "sha256:" + std::string(64, 'b');
const std::string hash_c = "sha256:" + std::string(64, 'c');

// The error message of parsing `text` as file "t", or "" when it parses.
std::string error_of(const std::string& text) {
  auto parsed = parse_token_file(text, "t");
  return parsed ? std::string{} : message_of(parsed.error());
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A fresh private directory, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = "/tmp/troupe-tokens-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary directory");
    path_ = tmpl;
  }

  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  std::string file(const std::string& name) const {
    return path_ + "/" + name;
  }

  // Writes `content` to `name` with `mode`; returns its path.
  std::string write(const std::string& name, const std::string& content,
                    mode_t mode = 0600) const {
    auto path = file(name);
    std::ofstream{path} << content;
    ::chmod(path.c_str(), mode);
    return path;
  }

 private:
  std::string path_;
};

std::string read(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

mode_t mode_of(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0)
    return 0;
  return sb.st_mode & 07777;
}

token_entry entry_named(const std::string& name, const std::string& token) {
  token_entry e;
  e.name = name;
  e.role = role::operate;
  e.digest = digest_of(token);
  return e;
}

} // namespace

// -- parsing ------------------------------------------------------------------

TEST(TokenFile, ParsesEntriesCommentsAndBlankLines) {
  auto text = "# the tokens of the build farm\n"
              "\n"
              "ci submit "
              + hash_a
              + "\n"
                "  ops-1\toperate "
              + hash_b
              + " in-flight=8 rate=20  # pager\n"
                "root.x admin "
              + hash_c + " rate=5 burst=50\r\n";
  auto parsed = parse_token_file(text, "t");
  ASSERT_TRUE(parsed) << message_of(parsed.error());
  ASSERT_EQ(parsed->entries.size(), 3u);
  const auto& ci = parsed->entries[0];
  EXPECT_EQ(ci.name, "ci");
  EXPECT_EQ(ci.role, role::submit);
  EXPECT_EQ(ci.digest, token_digest{[] {
              token_digest d;
              d.fill(0xaa);
              return d;
            }()});
  EXPECT_FALSE(ci.limits.in_flight);
  EXPECT_FALSE(ci.limits.rate);
  EXPECT_FALSE(ci.limits.effective_burst());
  const auto& ops = parsed->entries[1];
  EXPECT_EQ(ops.name, "ops-1");
  EXPECT_EQ(ops.role, role::operate);
  EXPECT_EQ(ops.limits.in_flight, 8u);
  EXPECT_EQ(ops.limits.rate, 20u);
  EXPECT_FALSE(ops.limits.burst);
  EXPECT_EQ(ops.limits.effective_burst(), 20u);
  const auto& root = parsed->entries[2];
  EXPECT_EQ(root.role, role::admin);
  EXPECT_EQ(root.limits.effective_burst(), 50u);
  EXPECT_TRUE(parsed->warnings.empty());
}

TEST(TokenFile, EmptyFileHasNoEntries) {
  auto parsed = parse_token_file("", "t");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->entries.empty());
  EXPECT_TRUE(parse_token_file("# nothing yet\n\n", "t"));
}

TEST(TokenFile, HashAcceptsUpperCaseHex) {
  auto parsed = parse_token_file("a submit sha256:" + std::string(64, 'F'),
                                 "t");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->entries[0].digest[31], 0xff);
}

TEST(TokenFile, FormatParsesBack) {
  auto e = entry_named("x_1", "trp_x");
  e.limits.in_flight = 3;
  e.limits.rate = 7;
  e.limits.burst = 9;
  auto line = format_entry(e);
  EXPECT_EQ(line.find("x_1 operate sha256:"), 0u);
  EXPECT_TRUE(contains(line, " in-flight=3 rate=7 burst=9"));
  auto parsed = parse_token_file(line, "t");
  ASSERT_TRUE(parsed) << message_of(parsed.error());
  const auto& back = parsed->entries.at(0);
  EXPECT_EQ(back.name, e.name);
  EXPECT_EQ(back.role, e.role);
  EXPECT_EQ(back.digest, e.digest);
  EXPECT_EQ(back.limits.in_flight, 3u);
  EXPECT_EQ(back.limits.rate, 7u);
  EXPECT_EQ(back.limits.burst, 9u);
}

TEST(TokenFile, BadRoleNamesLineAndRole) {
  auto err = error_of("# c\nci root " + hash_a + "\n");
  EXPECT_TRUE(contains(err, "t:2: unknown role 'root'")) << err;
}

TEST(TokenFile, DuplicateNameNamesFirstLine) {
  auto err = error_of("ci submit " + hash_a + "\nci admin " + hash_b + "\n");
  EXPECT_TRUE(contains(err, "t:2: duplicate name 'ci' (first on line 1)"))
    << err;
}

TEST(TokenFile, SameDigestTwiceIsRefused) {
  auto err = error_of("ci submit " + hash_a + "\nops admin " + hash_a);
  EXPECT_TRUE(contains(err, "t:2: the same token as 'ci' (line 1)")) << err;
}

TEST(TokenFile, BadHashesAreRefusedWithoutEchoingThem) {
  for (std::string hash :
       {"sha256:" + std::string(63, 'a'), "sha256:" + std::string(65, 'a'),
        "sha256:" + std::string(63, 'a') + "g", "md5:" + std::string(64, 'a'),
        std::string(64, 'a'), std::string{"sha256:"}}) {
    auto err = error_of("ci submit " + hash);
    EXPECT_TRUE(contains(err, "t:1: the third field must be sha256:"))
      << hash << ": " << err;
    // The message names the expected scheme; no digits of the field.
    EXPECT_FALSE(contains(err, "aaaa")) << err;
  }
}

TEST(TokenFile, TokenPastedForItsHashGetsAHint) {
  auto err = error_of("ci submit trp_secretsecret");
  EXPECT_TRUE(contains(err, "looks like a token itself")) << err;
  EXPECT_FALSE(contains(err, "secretsecret")) << err;
}

TEST(TokenFile, UnknownKeyIsNamed) {
  auto err = error_of("ci submit " + hash_a + " rate=1 speed=9");
  EXPECT_TRUE(contains(err, "t:1: unknown key 'speed'")) << err;
}

TEST(TokenFile, OptionWithoutValueIsRefused) {
  auto err = error_of("ci submit " + hash_a + " rate");
  EXPECT_TRUE(contains(err, "t:1: expected KEY=N after the hash, got 'rate'"))
    << err;
}

TEST(TokenFile, KeyGivenTwiceIsRefused) {
  auto err = error_of("ci submit " + hash_a + " rate=1 rate=2");
  EXPECT_TRUE(contains(err, "t:1: 'rate' given twice")) << err;
}

TEST(TokenFile, BadNumbersAreRefused) {
  for (std::string value : {"", "abc", "-1", "+1", "1.5", "1e3", "12x",
                            "99999999999999999999999"}) {
    auto err = error_of("ci submit " + hash_a + " in-flight=" + value);
    EXPECT_TRUE(contains(err, "t:1: in-flight: expected a whole number, got '"
                                + value + "'"))
      << value << ": " << err;
  }
}

TEST(TokenFile, NumbersOutOfRangeAreRefused) {
  auto zero = error_of("ci submit " + hash_a + " rate=0");
  EXPECT_TRUE(contains(zero, "t:1: rate: expected 1 to 1000000, got 0"))
    << zero;
  auto big = error_of("ci submit " + hash_a + " burst=1000001 rate=1");
  EXPECT_TRUE(contains(big, "t:1: burst: expected 1 to 1000000, got 1000001"))
    << big;
  EXPECT_EQ(error_of("ci submit " + hash_a + " in-flight=1000000"), "");
}

TEST(TokenFile, BurstNeedsRate) {
  auto err = error_of("ci submit " + hash_a + " burst=5");
  EXPECT_TRUE(contains(err, "t:1: burst is the size of the rate's bucket"))
    << err;
}

TEST(TokenFile, MissingFieldsShowTheLineShape) {
  auto err = error_of("ci submit\n");
  EXPECT_TRUE(contains(err, "t:1: expected NAME ROLE sha256:HEX")) << err;
}

TEST(TokenFile, BadNamesAreRefused) {
  for (const std::string& name : std::vector<std::string>{
         "-x", ".x", "a/b", "a\"b", "caf\xc3\xa9", std::string(65, 'n')}) {
    auto err = error_of(name + " submit " + hash_a);
    EXPECT_TRUE(contains(err, "t:1: bad name")) << name << ": " << err;
  }
  EXPECT_EQ(error_of(std::string(64, 'n') + " submit " + hash_a), "");
}

TEST(TokenFile, EveryBadLineIsReported) {
  auto err = error_of("a root " + hash_a
                      + "\n"
                        "b submit "
                      + hash_b
                      + "\n"
                        "c submit sha256:00\n"
                        "d submit "
                      + hash_c + " x=1\n");
  EXPECT_TRUE(contains(err, "t:1:")) << err;
  EXPECT_FALSE(contains(err, "t:2:")) << err;
  EXPECT_TRUE(contains(err, "t:3:")) << err;
  EXPECT_TRUE(contains(err, "t:4:")) << err;
}

TEST(TokenFile, ManyErrorsAreCut) {
  std::string text;
  for (int i = 0; i < 25; ++i)
    text += "x" + std::to_string(i) + " root " + hash_a + "\n";
  auto err = error_of(text);
  EXPECT_TRUE(contains(err, "t:20:")) << err;
  EXPECT_FALSE(contains(err, "t:21:")) << err;
  EXPECT_TRUE(contains(err, "t: 5 more errors not shown")) << err;
}

TEST(TokenFile, BinaryGarbageIsAnErrorNotACrash) {
  std::string text;
  for (int i = 0; i < 4096; ++i)
    text += static_cast<char>((i * 131 + 7) % 256);
  auto parsed = parse_token_file(text, "t");
  EXPECT_FALSE(parsed);
}

// -- loading ------------------------------------------------------------------

TEST(TokenFile, LoadReadsAPrivateFile) {
  temp_dir dir;
  auto path = dir.write("tokens", "ci submit " + hash_a + "\n");
  auto loaded = load_token_file(path);
  ASSERT_TRUE(loaded) << message_of(loaded.error());
  EXPECT_EQ(loaded->entries.size(), 1u);
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(TokenFile, LoadNamesTheFileInLineErrors) {
  temp_dir dir;
  auto path = dir.write("tokens", "ci submit " + hash_a + " rate=x\n");
  auto loaded = load_token_file(path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(contains(message_of(loaded.error()), path + ":1: rate:"))
    << message_of(loaded.error());
}

TEST(TokenFile, MissingFileIsAnErrorNamingIt) {
  temp_dir dir;
  auto path = dir.file("absent");
  auto loaded = load_token_file(path);
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(contains(message_of(loaded.error()), path + ": cannot open"))
    << message_of(loaded.error());
}

TEST(TokenFile, DirectoryIsRefused) {
  temp_dir dir;
  auto loaded = load_token_file(dir.file("."));
  ASSERT_FALSE(loaded);
  EXPECT_TRUE(contains(message_of(loaded.error()), "not a regular file"))
    << message_of(loaded.error());
}

TEST(TokenFile, FileOthersMayWriteIsRefused) {
  temp_dir dir;
  for (mode_t mode : {0620, 0602, 0666}) {
    auto path = dir.write("tokens", "ci submit " + hash_a + "\n", mode);
    auto loaded = load_token_file(path);
    ASSERT_FALSE(loaded) << std::oct << mode;
    EXPECT_TRUE(contains(message_of(loaded.error()), "other users may write"))
      << message_of(loaded.error());
  }
}

TEST(TokenFile, FileOthersMayReadLoadsWithAWarning) {
  temp_dir dir;
  auto path = dir.write("tokens", "ci submit " + hash_a + "\n", 0644);
  auto loaded = load_token_file(path);
  ASSERT_TRUE(loaded) << message_of(loaded.error());
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_TRUE(contains(loaded->warnings[0], "other users may read"));
  EXPECT_TRUE(contains(loaded->warnings[0], "0644"));
}

// -- appending ----------------------------------------------------------------

TEST(TokenFile, AppendCreatesAPrivateFileWhoseTokenIsFound) {
  temp_dir dir;
  auto path = dir.file("tokens");
  auto token = generate_token();
  ASSERT_TRUE(token);
  auto e = entry_named("ci", *token);
  e.limits.rate = 10;
  ASSERT_FALSE(append_token(path, e));
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(read(path), format_entry(e) + "\n");
  auto loaded = load_token_file(path);
  ASSERT_TRUE(loaded) << message_of(loaded.error());
  token_table table{loaded->entries};
  const auto* found = table.find(*token);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->role, role::operate);
  EXPECT_EQ(found->limits.rate, 10u);
  // The file holds the digest, never the token.
  EXPECT_FALSE(contains(read(path), *token));
}

TEST(TokenFile, AppendKeepsWhatIsThereAndAddsAfterIt) {
  temp_dir dir;
  // No newline at the end: the new line must not join the last one.
  auto path = dir.write("tokens", "# ours\nold submit " + hash_a);
  ASSERT_FALSE(append_token(path, entry_named("new", "trp_new")));
  auto loaded = load_token_file(path);
  ASSERT_TRUE(loaded) << message_of(loaded.error());
  ASSERT_EQ(loaded->entries.size(), 2u);
  EXPECT_EQ(loaded->entries[0].name, "old");
  EXPECT_EQ(loaded->entries[1].name, "new");
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(TokenFile, AppendRefusesADuplicateNameAndLeavesTheFile) {
  temp_dir dir;
  auto path = dir.file("tokens");
  ASSERT_FALSE(append_token(path, entry_named("ci", "trp_one")));
  auto before = read(path);
  auto err = append_token(path, entry_named("ci", "trp_two"));
  ASSERT_TRUE(err);
  EXPECT_TRUE(
    contains(message_of(err), "a token named 'ci' is already in the tokens"))
    << message_of(err);
  EXPECT_EQ(read(path), before);
}

TEST(TokenFile, AppendRefusesABadEntryWithoutMakingAFile) {
  temp_dir dir;
  auto path = dir.file("tokens");
  auto e = entry_named("bad name", "trp_x");
  auto err = append_token(path, e);
  ASSERT_TRUE(err);
  EXPECT_TRUE(contains(message_of(err), "bad name 'bad name'"));
  EXPECT_FALSE(std::filesystem::exists(path));
  auto limited = entry_named("ok", "trp_x");
  limited.limits.in_flight = 0;
  EXPECT_TRUE(append_token(path, limited));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(TokenFile, AppendRefusesASecondTokenWithTheSameDigest) {
  temp_dir dir;
  auto path = dir.file("tokens");
  ASSERT_FALSE(append_token(path, entry_named("one", "trp_same")));
  auto err = append_token(path, entry_named("two", "trp_same"));
  ASSERT_TRUE(err);
  EXPECT_TRUE(contains(message_of(err), "the same token as 'one'"))
    << message_of(err);
}

TEST(TokenFile, AppendRefusesABrokenOrOpenFile) {
  temp_dir dir;
  auto broken = dir.write("broken", "ci root " + hash_a + "\n");
  auto err = append_token(broken, entry_named("new", "trp_x"));
  ASSERT_TRUE(err);
  EXPECT_TRUE(contains(message_of(err), broken + ":1: unknown role"))
    << message_of(err);
  EXPECT_EQ(read(broken), "ci root " + hash_a + "\n");
  auto open = dir.write("open", "", 0666);
  EXPECT_TRUE(append_token(open, entry_named("new", "trp_x")));
  EXPECT_EQ(read(open), "");
}
