#include "actors/skills/builtin_skills.hpp"

#include "actors/base/sha256.hpp"
#include "actors/skills/execution_journal.hpp"
#include "messages/wire/json.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>

namespace troupe::skills {

namespace {

// Parses a whole-number millisecond count in [0, max_sleep_ms].
std::optional<uint64_t> parse_millis(const std::string& input) {
  auto first = input.data();
  auto last = input.data() + input.size();
  while (first != last && std::isspace(static_cast<unsigned char>(*first)))
    ++first;
  while (last != first && std::isspace(static_cast<unsigned char>(last[-1])))
    --last;
  uint64_t ms = 0;
  auto [end, ec] = std::from_chars(first, last, ms);
  if (ec != std::errc{} || end != last || first == last || ms > max_sleep_ms)
    return std::nullopt;
  return ms;
}

skill_output bad_millis(const std::string& skill, const std::string& input) {
  return skill_output::failure(
    job_status::bad_input,
    skill + " expects a whole number of milliseconds between 0 and "
      + std::to_string(max_sleep_ms) + ", got "
      + wire::json_string(input.substr(0, 64)));
}

// Sleeps unless the job is cancelled (timed out, its client gone): the
// worker is free again at once.
skill_output sleep_for(const std::string& skill, const std::string& input,
                       const skill_context& ctx) {
  auto ms = parse_millis(input);
  if (!ms)
    return bad_millis(skill, input);
  if (!ctx.sleep_for(std::chrono::milliseconds(*ms)))
    return skill_output::failure(job_status::cancelled,
                                 skill + " was cancelled");
  return skill_output::success(std::to_string(*ms));
}

skill_output wordcount(const std::string& input) {
  std::map<std::string_view, uint64_t> counts;
  size_t i = 0;
  auto is_space = [](char c) {
    return std::isspace(static_cast<unsigned char>(c));
  };
  while (i < input.size()) {
    while (i < input.size() && is_space(input[i]))
      ++i;
    auto start = i;
    while (i < input.size() && !is_space(input[i]))
      ++i;
    if (i > start)
      ++counts[std::string_view{input}.substr(start, i - start)];
  }
  std::string out = "{";
  bool first = true;
  for (auto& [word, n] : counts) {
    if (!first)
      out += ',';
    first = false;
    wire::append_json_string(out, word);
    out += ':';
    out += std::to_string(n);
  }
  out += '}';
  return skill_output::success(std::move(out));
}

skill_output flaky(const std::string& input) {
  double p = 0;
  auto first = input.data();
  auto last = input.data() + input.size();
  auto [end, ec] = std::from_chars(first, last, p);
  if (ec != std::errc{} || end != last || !(p >= 0.0 && p <= 1.0))
    return skill_output::failure(job_status::bad_input,
                                 "flaky expects a failure probability between "
                                 "0 and 1, got "
                                   + wire::json_string(input.substr(0, 64)));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> dist{0.0, 1.0};
  if (dist(rng) < p)
    return skill_output::failure(job_status::skill_error,
                                 "flaky failed (failure probability " + input
                                   + ")");
  return skill_output::success("ok");
}

// The pause an input ending in "@<N>ms" asks `record` for; none for any
// other input (the whole input is a tag).
std::optional<uint64_t> record_pause(const std::string& input) {
  auto at = input.rfind('@');
  if (at == std::string::npos || input.size() < at + 4
      || input.compare(input.size() - 2, 2, "ms") != 0)
    return std::nullopt;
  auto digits = input.substr(at + 1, input.size() - at - 3);
  if (digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return parse_millis(digits);
}

// Journals this execution, then (if the input asks) takes a while, and
// answers the input's digest and the execution's id: the chaos test checks
// the digest and counts executions per job in the journals. The journal
// line comes first, so an execution killed while it takes its time still
// counts.
skill_output record(const std::string& skill, const std::string& input,
                    const skill_context& ctx) {
  auto* path = std::getenv(execution_journal_env);
  if (path == nullptr || *path == '\0')
    return skill_output::failure(job_status::skill_error,
                                 skill + " needs the environment variable "
                                   + execution_journal_env
                                   + " to name its journal file on the node");
  auto id = next_execution_id();
  if (auto err = append_journal_line(
        path, journal_line(skill, input, id, wall_clock_us())))
    return skill_output::failure(job_status::skill_error, skill + ": " + *err);
  if (auto pause = record_pause(input);
      pause && !ctx.sleep_for(std::chrono::milliseconds(*pause)))
    return skill_output::failure(job_status::cancelled,
                                 skill + " was cancelled");
  return skill_output::success(base::sha256::hex_digest(input) + " " + id);
}

} // namespace

caf::error add_builtin_skills(skill_catalog& catalog) {
  skill_definition echo;
  echo.name = "echo";
  echo.description = "returns its input unchanged";
  echo.mode = skill_mode::in_pool;
  echo.fn = [](const std::string& in) {
    return skill_output::success(in);
  };
  if (auto err = catalog.add(std::move(echo)))
    return err;
  skill_definition sha;
  sha.name = "sha256";
  sha.description = "lower-case hex SHA-256 digest of the input";
  sha.fn = [](const std::string& in) {
    return skill_output::success(base::sha256::hex_digest(in));
  };
  // A pure function of its input whose output (64 bytes) is far smaller
  // than the work to recompute it: worth caching.
  sha.cache.enabled = true;
  if (auto err = catalog.add(std::move(sha)))
    return err;
  skill_definition sleep;
  sleep.name = "sleep";
  sleep.description = "blocks its worker for <input> milliseconds";
  sleep.fn = [](const std::string& in, const skill_context& ctx) {
    return sleep_for("sleep", in, ctx);
  };
  if (auto err = catalog.add(std::move(sleep)))
    return err;
  skill_definition wc;
  wc.name = "wordcount";
  wc.description = "JSON object mapping each whitespace-separated word to "
                   "its count";
  wc.fn = wordcount;
  // Pure and linear in its input: repeated texts are answered from the
  // cache. (echo is pure too, but its result is as large as its input and
  // cheaper to recompute than to look up; sleep and the test skills exist
  // to take time or fail, so caching them would defeat their purpose.)
  wc.cache.enabled = true;
  return catalog.add(std::move(wc));
}

caf::error add_test_skills(skill_catalog& catalog) {
  // flaky and slow demonstrate breakers, so theirs are on. fail always
  // fails (it shows error paths) and crash exercises worker recovery: a
  // breaker would answer for them after a few jobs and hide what they show.
  skill_definition fail;
  fail.name = "fail";
  fail.description = "always fails with SKILL_ERROR, the input as message";
  fail.mode = skill_mode::in_pool;
  fail.max_attempts = 1;
  fail.fn = [](const std::string& in) {
    return skill_output::failure(job_status::skill_error, in);
  };
  if (auto err = catalog.add(std::move(fail)))
    return err;
  skill_definition fl;
  fl.name = "flaky";
  fl.description = "fails with probability <input> (0..1)";
  fl.mode = skill_mode::in_pool;
  fl.max_attempts = 1;
  fl.breaker.enabled = true;
  fl.fn = flaky;
  if (auto err = catalog.add(std::move(fl)))
    return err;
  skill_definition slow;
  slow.name = "slow";
  slow.breaker.enabled = true;
  slow.description = "answers after <input> milliseconds (a slow call)";
  slow.fn = [](const std::string& in, const skill_context& ctx) {
    return sleep_for("slow", in, ctx);
  };
  if (auto err = catalog.add(std::move(slow)))
    return err;
  skill_definition crash;
  crash.name = "crash";
  crash.description = "its worker dies abruptly mid-job";
  crash.idempotent = false;
  crash.max_attempts = 1;
  crash.fn = [](const std::string&) {
    return skill_output::crash();
  };
  if (auto err = catalog.add(std::move(crash)))
    return err;
  // Both record every execution, so that a test can count how often each
  // job ran; neither is cached, which would hide executions. `record` must
  // never run a job twice, `record-idem` may (it is retried).
  skill_definition rec;
  rec.name = "record";
  rec.description = "journals each execution to $TROUPE_TEST_JOURNAL; "
                    "answers the input's sha256 and the execution id (an "
                    "input ending in @<N>ms takes N ms more)";
  rec.idempotent = false;
  rec.max_attempts = 1;
  rec.fn = [](const std::string& in, const skill_context& ctx) {
    return record("record", in, ctx);
  };
  if (auto err = catalog.add(std::move(rec)))
    return err;
  skill_definition rec_idem;
  rec_idem.name = "record-idem";
  rec_idem.description = "record, but idempotent: retried after a crash or a "
                         "lost node";
  rec_idem.fn = [](const std::string& in, const skill_context& ctx) {
    return record("record-idem", in, ctx);
  };
  return catalog.add(std::move(rec_idem));
}

} // namespace troupe::skills
