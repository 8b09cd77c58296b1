#include "config/node_config.hpp"
#include "messages/errors.hpp"
#include "messages/job.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using troupe::error_code;
using troupe::config::node_config;
using troupe::config::parse_bytes;
using troupe::config::parse_duration;
using troupe::config::validate;

bool is_invalid_config(const caf::error& err) {
  return err.category() == caf::atom("troupe")
         && err.code() == static_cast<uint8_t>(error_code::invalid_config);
}

// -- parse_duration -----------------------------------------------------------

TEST(NodeConfig, ParseDurationUnits) {
  EXPECT_EQ(troupe::config::parse_duration("250ms"), caf::timespan{250ms});
  EXPECT_EQ(troupe::config::parse_duration("2s"), caf::timespan{2s});
  EXPECT_EQ(troupe::config::parse_duration("1.5s"), caf::timespan{1500ms});
  EXPECT_EQ(troupe::config::parse_duration("3m"), caf::timespan{3min});
  EXPECT_EQ(troupe::config::parse_duration("1h"), caf::timespan{1h});
  EXPECT_EQ(troupe::config::parse_duration("10us"), caf::timespan{10us});
}

TEST(NodeConfig, ParseDurationBareNumberIsMilliseconds) {
  EXPECT_EQ(troupe::config::parse_duration("100"), caf::timespan{100ms});
  EXPECT_EQ(troupe::config::parse_duration("0"), caf::timespan{0});
}

TEST(NodeConfig, ParseDurationUnitIsCaseInsensitive) {
  EXPECT_EQ(troupe::config::parse_duration("2S"), caf::timespan{2s});
  EXPECT_EQ(troupe::config::parse_duration("250MS"), caf::timespan{250ms});
}

TEST(NodeConfig, ParseDurationRejectsBadUnit) {
  auto x = troupe::config::parse_duration("5parsecs");
  ASSERT_FALSE(x);
  EXPECT_TRUE(is_invalid_config(x.error()));
  EXPECT_NE(troupe::message_of(x.error()).find("parsecs"), std::string::npos);
  EXPECT_FALSE(
    troupe::config::parse_duration("2 s")); // no blank between number and unit
}

TEST(NodeConfig, ParseDurationRejectsEmptyNegativeAndMalformed) {
  EXPECT_FALSE(troupe::config::parse_duration(""));
  EXPECT_FALSE(troupe::config::parse_duration("-5ms"));
  EXPECT_FALSE(troupe::config::parse_duration("-1"));
  EXPECT_FALSE(troupe::config::parse_duration("ms"));
  EXPECT_FALSE(troupe::config::parse_duration("."));
  EXPECT_FALSE(troupe::config::parse_duration("1.2.3s"));
  auto x = troupe::config::parse_duration("");
  ASSERT_FALSE(x);
  EXPECT_TRUE(is_invalid_config(x.error()));
}

TEST(NodeConfig, ParseDurationRejectsAbsurdlyLongValues) {
  EXPECT_FALSE(troupe::config::parse_duration("100000000000h"));
}

// The count times the unit must fit 64-bit nanoseconds: refused beyond, not
// wrapped, and exact up to the limit.
TEST(NodeConfig, ParseDurationDetectsOverflowExactly) {
  auto x = troupe::config::parse_duration("307445735min");
  ASSERT_FALSE(x);
  EXPECT_EQ(troupe::message_of(x.error()),
            "'307445735min' is too long a duration (at most 2562047h, about "
            "292 years)");
  EXPECT_FALSE(troupe::config::parse_duration("5124096000h"));
  EXPECT_FALSE(troupe::config::parse_duration("9223372036854775808ns"));
  EXPECT_FALSE(troupe::config::parse_duration(
    "99999999999999999999999999999999999999999s"));
  EXPECT_FALSE(troupe::config::parse_duration("2562047.8h"));
  EXPECT_EQ(troupe::config::parse_duration("9223372036854775807ns"),
            caf::timespan::max());
  EXPECT_EQ(troupe::config::parse_duration("2562047h"),
            caf::timespan{2562047h});
  // Decimal fractions are exact, not rounded through a double.
  EXPECT_EQ(troupe::config::parse_duration("0.3s"), caf::timespan{300ms});
  EXPECT_EQ(troupe::config::parse_duration("1.000000001s"),
            caf::timespan{1'000'000'001});
  EXPECT_EQ(troupe::config::parse_duration("9007199254740993ns"),
            caf::timespan{9007199254740993});
  EXPECT_EQ(troupe::config::parse_duration("0.5ns"), caf::timespan{0});
}

// -- parse_bytes --------------------------------------------------------------

TEST(NodeConfig, ParseBytesBinaryUnits) {
  EXPECT_EQ(troupe::config::parse_bytes("16MiB"), uint64_t{16} * 1024 * 1024);
  EXPECT_EQ(troupe::config::parse_bytes("1KiB"), uint64_t{1024});
  EXPECT_EQ(troupe::config::parse_bytes("512kib"), uint64_t{512} * 1024);
  EXPECT_EQ(troupe::config::parse_bytes("1GiB"), uint64_t{1024} * 1024 * 1024);
}

TEST(NodeConfig, ParseBytesDecimalUnitsAndBareBytes) {
  EXPECT_EQ(troupe::config::parse_bytes("1000"), uint64_t{1000});
  EXPECT_EQ(troupe::config::parse_bytes("2kb"), uint64_t{2000});
  EXPECT_EQ(troupe::config::parse_bytes("3MB"), uint64_t{3'000'000});
  EXPECT_EQ(troupe::config::parse_bytes("0"), uint64_t{0});
}

TEST(NodeConfig, ParseBytesRejectsBadInput) {
  auto x = troupe::config::parse_bytes("16 furlongs");
  ASSERT_FALSE(x);
  EXPECT_TRUE(is_invalid_config(x.error()));
  EXPECT_FALSE(troupe::config::parse_bytes("16XB"));
  EXPECT_FALSE(troupe::config::parse_bytes(""));
  EXPECT_FALSE(troupe::config::parse_bytes("-1"));
  EXPECT_FALSE(troupe::config::parse_bytes("MiB"));
  EXPECT_FALSE(troupe::config::parse_bytes("9999999999TiB"));
}

TEST(NodeConfig, ParseBytesDetectsOverflowExactly) {
  EXPECT_EQ(troupe::config::parse_bytes("1TiB"), uint64_t{1} << 40);
  EXPECT_EQ(troupe::config::parse_bytes("1.5KiB"), uint64_t{1536});
  EXPECT_EQ(troupe::config::parse_bytes("8388607TiB"), uint64_t{8388607} << 40);
  auto x
    = troupe::config::parse_bytes("8388608TiB"); // 2^63: one past the largest
  ASSERT_FALSE(x);
  EXPECT_NE(troupe::message_of(x.error()).find("too large a size"),
            std::string::npos);
  EXPECT_FALSE(troupe::config::parse_bytes("99999999999999TiB"));
  EXPECT_FALSE(troupe::config::parse_bytes("18446744073709551617"));
}

// -- literals for messages ----------------------------------------------------

TEST(NodeConfig, LiteralsUseTheLargestWholeUnit) {
  using troupe::config::bytes_literal;
  using troupe::config::duration_literal;
  EXPECT_EQ(troupe::config::duration_literal(troupe::max_job_timeout), "8760h");
  EXPECT_EQ(troupe::config::duration_literal(caf::timespan{1500ms}), "1500ms");
  EXPECT_EQ(troupe::config::duration_literal(caf::timespan{90s}), "90s");
  EXPECT_EQ(troupe::config::duration_literal(caf::timespan{2min}), "2min");
  EXPECT_EQ(troupe::config::duration_literal(caf::timespan{0}), "0s");
  EXPECT_EQ(troupe::config::duration_literal(-caf::timespan{1s}), "-1s");
  EXPECT_EQ(troupe::config::duration_literal(caf::timespan::min()),
            "-9223372036854775808ns");
  EXPECT_EQ(troupe::config::bytes_literal(uint64_t{1} << 30), "1GiB");
  EXPECT_EQ(troupe::config::bytes_literal(1536), "1536");
  EXPECT_EQ(troupe::config::bytes_literal(3072), "3KiB");
  EXPECT_EQ(troupe::config::bytes_literal(0), "0");
}

// -- validate -----------------------------------------------------------------

// Expects validation to fail with invalid_config naming `option`.
void expect_rejected(const troupe::config::node_config& cfg,
                     const std::string& option) {
  auto x = troupe::config::validate(cfg);
  ASSERT_FALSE(x) << "expected " << option << " to be rejected";
  EXPECT_TRUE(is_invalid_config(x.error())) << troupe::describe(x.error());
  auto text = troupe::message_of(x.error());
  EXPECT_NE(text.find(option), std::string::npos)
    << "'" << text << "' does not name " << option;
}

TEST(NodeConfig, DefaultsAreValid) {
  auto x = troupe::config::validate(troupe::config::node_config{});
  ASSERT_TRUE(x) << troupe::describe(x.error());
  EXPECT_EQ(x->port, troupe::config::node_config{}.port);
  EXPECT_EQ(x->workers, troupe::config::node_config{}.workers);
}

TEST(NodeConfig, ValidateKeepsTheValues) {
  troupe::config::node_config cfg;
  cfg.workers = 8;
  cfg.threads = 2;
  cfg.scheduler = "stealing";
  cfg.log_level = "debug";
  cfg.log_format = "json";
  cfg.metrics_port = 9464;
  auto x = troupe::config::validate(cfg);
  ASSERT_TRUE(x) << troupe::describe(x.error());
  EXPECT_EQ(x->workers, 8u);
  EXPECT_EQ(x->threads, 2u);
  EXPECT_EQ(x->scheduler, "stealing");
  EXPECT_EQ(x->log_level, "debug");
  EXPECT_EQ(x->log_format, "json");
  EXPECT_EQ(x->metrics_port, 9464);
}

TEST(NodeConfig, ValidateRejectsBadLogLevel) {
  troupe::config::node_config cfg;
  cfg.log_level = "loud";
  expect_rejected(cfg, "--log-level");
}

TEST(NodeConfig, ValidateRejectsBadLogFormat) {
  troupe::config::node_config cfg;
  cfg.log_format = "xml";
  expect_rejected(cfg, "--log-format: expected text or json, got 'xml'");
}

TEST(NodeConfig, ValidateRejectsZeroWorkers) {
  troupe::config::node_config cfg;
  cfg.workers = 0;
  expect_rejected(cfg, "--workers");
}

TEST(NodeConfig, ValidateRejectsZeroThreads) {
  troupe::config::node_config cfg;
  cfg.threads = 0;
  expect_rejected(cfg, "--threads");
}

TEST(NodeConfig, ValidateRejectsUnknownScheduler) {
  troupe::config::node_config cfg;
  cfg.scheduler = "foo";
  expect_rejected(cfg, "--scheduler");
}

TEST(NodeConfig, ValidateRejectsZeroMaxJobBytes) {
  troupe::config::node_config cfg;
  cfg.max_job_bytes = 0;
  expect_rejected(cfg, "--max-job-bytes");
}

TEST(NodeConfig, ValidateRejectsMetricsPortEqualToPort) {
  troupe::config::node_config cfg;
  cfg.port = 5000;
  cfg.metrics_port = 5000;
  expect_rejected(cfg, "--metrics-port");
}

TEST(NodeConfig, TheHttpPortIsOffByDefaultAndChecked) {
  troupe::config::node_config cfg;
  EXPECT_EQ(cfg.http_port, -1);
  cfg.http_port = 0; // any free port
  EXPECT_TRUE(troupe::config::validate(cfg));
  cfg.port = 5000;
  cfg.http_port = 5000;
  expect_rejected(cfg, "--http-port");
  cfg.http_port = 6000; // the cluster port: --port + 1000
  expect_rejected(cfg, "--http-port");
  cfg.http_port = 70000;
  expect_rejected(cfg, "--http-port");
  // Plaintext HTTP beyond loopback only when told so.
  cfg = troupe::config::node_config{};
  cfg.host = "0.0.0.0";
  cfg.door.insecure = true;
  cfg.http_port = 8080;
  EXPECT_TRUE(troupe::config::validate(cfg));
  cfg.door.insecure = false;
  expect_rejected(cfg, "--http-port");
  // With the door's TLS (and its tokens) the port speaks HTTPS.
  cfg.door.tls_cert = "c.pem";
  cfg.door.tls_key = "c.key";
  cfg.door.tokens = "tokens";
  cfg.cluster.tls_cert = "m.pem"; // members beyond loopback need theirs
  cfg.cluster.tls_key = "m.key";
  cfg.cluster.tls_ca = "ca.pem";
  auto ok = troupe::config::validate(cfg);
  EXPECT_TRUE(ok) << troupe::message_of(ok.error());
}

TEST(NodeConfig, ValidateRejectsOtherOutOfRangeValues) {
  troupe::config::node_config cfg;
  cfg.host = "";
  expect_rejected(cfg, "--host");
  cfg = troupe::config::node_config{};
  cfg.queue_capacity = 0;
  expect_rejected(cfg, "--queue-capacity");
  cfg = troupe::config::node_config{};
  cfg.default_timeout = caf::timespan{0};
  expect_rejected(cfg, "--default-timeout");
}

// The command line has the ranges of the config file: a value the file
// refuses is refused on the command line too, never clamped later.
TEST(NodeConfig, ValidateAppliesTheFilesRanges) {
  troupe::config::node_config cfg;
  cfg.default_timeout = std::chrono::hours(100'000);
  auto x = troupe::config::validate(cfg);
  ASSERT_FALSE(x);
  EXPECT_EQ(troupe::message_of(x.error()),
            "--default-timeout: expected a duration in 1ms..8760h, got "
            "100000h");
  cfg = troupe::config::node_config{};
  cfg.drain_timeout = std::chrono::hours(25);
  expect_rejected(cfg, "--drain-timeout");
  cfg = troupe::config::node_config{};
  cfg.queue_capacity = 1'000'000'000'000;
  expect_rejected(cfg, "--queue-capacity");
  cfg = troupe::config::node_config{};
  cfg.max_job_bytes = uint64_t{2} << 30;
  x = troupe::config::validate(cfg);
  ASSERT_FALSE(x);
  EXPECT_EQ(troupe::message_of(x.error()),
            "--max-job-bytes: expected a size in 1..1GiB, got 2GiB");
  cfg = troupe::config::node_config{};
  cfg.default_timeout = troupe::max_job_timeout;
  cfg.drain_timeout = std::chrono::hours(24);
  EXPECT_TRUE(troupe::config::validate(cfg));
}

} // namespace

// -- member TLS ---------------------------------------------------------------

TEST(NodeConfig, MembersOffLoopbackNeedTlsUnlessInsecure) {
  node_config cfg;
  cfg.host = "0.0.0.0";
  // The door's own rule is met, so only the members' one speaks.
  cfg.door.tls_cert = "door.pem";
  cfg.door.tls_key = "door.key";
  cfg.door.tokens = "tokens";
  auto res = validate(cfg);
  ASSERT_FALSE(res);
  EXPECT_TRUE(is_invalid_config(res.error()));
  EXPECT_NE(troupe::message_of(res.error()).find("without TLS"),
            std::string::npos)
    << troupe::message_of(res.error());
  cfg.cluster.tls_cert = "alpha.pem";
  cfg.cluster.tls_key = "alpha.key";
  cfg.cluster.tls_ca = "ca.pem";
  EXPECT_TRUE(validate(cfg));
  cfg.cluster = {};
  cfg.door.insecure = true;
  EXPECT_TRUE(validate(cfg));
}

TEST(NodeConfig, MemberTlsNamesCertificateKeyAndCaTogether) {
  node_config cfg;
  cfg.cluster.tls_cert = "alpha.pem";
  cfg.cluster.tls_key = "alpha.key";
  auto res = validate(cfg);
  ASSERT_FALSE(res);
  EXPECT_NE(troupe::message_of(res.error()).find("go together"),
            std::string::npos);
}

TEST(NodeConfig, DeniedSerialsAreHex) {
  using troupe::config::normalized_serial;
  EXPECT_EQ(normalized_serial("0a:1B:ff"), "A1BFF");
  EXPECT_EQ(normalized_serial("00"), "0");
  EXPECT_EQ(normalized_serial(""), "");
  EXPECT_EQ(normalized_serial("xyz"), "");
  node_config cfg;
  cfg.cluster.deny_serials = {"12AB", "not-hex"};
  auto res = validate(cfg);
  ASSERT_FALSE(res);
  EXPECT_NE(troupe::message_of(res.error()).find("not-hex"), std::string::npos);
}

TEST(NodeConfig, HttpOriginsMustBeWebOrigins) {
  troupe::config::node_config cfg;
  EXPECT_TRUE(cfg.http_origins.empty());
  cfg.http_origins = {"https://ops.example.com", "http://127.0.0.1:8080",
                      "http://[::1]:8080", "https://a-b.example"};
  EXPECT_TRUE(troupe::config::validate(cfg));
  for (auto bad :
       {"ops.example.com", "ftp://x", "https://", "https://x/path",
        "https://x:99999", "https://x:", "http://a b", "https://x:80/"}) {
    cfg.http_origins = {bad};
    expect_rejected(cfg, "--http-origins");
  }
}
