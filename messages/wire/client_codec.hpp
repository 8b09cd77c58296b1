#pragma once

#include "messages/breaker_status.hpp"
#include "messages/job.hpp"
#include "messages/node_status.hpp"

#include <caf/expected.hpp>

#include <string>
#include <variant>
#include <vector>

// Converts between troupe's in-process structs and the protobuf wire schema
// (messages/wire/troupe.proto). Only bytes cross this header, so generated
// protobuf classes never leak into the rest of the code.
namespace troupe::wire::client_codec {

/// Protocol version this build speaks; a node refuses other versions.
inline constexpr uint32_t protocol_version = 1;

/// The longest skill name or origin a job may carry, in bytes (names of
/// skills and nodes are short; the node echoes them in errors and logs).
inline constexpr size_t max_name_bytes = 256;

/// Serializes jobs as a `SubmitBatch` named `batch_id` (0 = no name: a
/// refusal of the batch then names no batch either).
std::string encode_submit(const std::vector<job>& jobs, uint64_t batch_id = 0);

/// Serializes the jobs in [first, last) as a `SubmitBatch` named `batch_id`.
std::string encode_submit(const job* first, const job* last,
                          uint64_t batch_id = 0);

/// A job of a `SubmitBatch` that the node cannot take (its text fields are
/// not valid UTF-8 or too long): it fails alone, with `reason`.
struct refused_job {
  /// The id the client gave the job.
  uint64_t id = 0;
  std::string reason;
};

/// A decoded `SubmitBatch`.
struct submit_batch {
  uint64_t id = 0;
  std::vector<job> jobs;
  /// Jobs refused one by one; the others are in `jobs`.
  std::vector<refused_job> refused;
};

/// Parses a `SubmitBatch`; bytes that do not parse or another protocol
/// version give `error_code::malformed_message` / `protocol_mismatch` (the
/// whole batch is refused). A job with a bad text field goes to `refused`.
[[nodiscard]] caf::expected<submit_batch>
decode_submit(const std::string& bytes);

/// The `batch_id` of a serialized `SubmitBatch` without parsing the batch:
/// it reads fields up to `batch_id` and skips over the others (senders write
/// it first, so this is one field); 0 when the bytes hold none.
uint64_t peek_batch_id(const std::string& bytes) noexcept;

/// The node did not accept any job of the batch `batch_id`.
struct batch_refusal {
  uint64_t batch_id = 0;
  job_status status = job_status::bad_input;
  std::string error;
};

/// A decoded `ResultBatch`.
struct result_batch {
  std::vector<job_result> results;
  std::vector<batch_refusal> refusals;
};

/// Serializes results as a `ResultBatch`. Text fields that are not valid
/// UTF-8 (a skill's error message may be anything) have the bad bytes
/// replaced, so that the batch always parses.
std::string encode_results(const std::vector<job_result>& results);

/// Serializes the results in [first, last) as a `ResultBatch`.
std::string encode_results(const job_result* first, const job_result* last);

/// Serializes a `ResultBatch` that carries one refusal.
std::string encode_refusal(const batch_refusal& refusal);

/// Parses a `ResultBatch`; results or refusals with an unspecified status
/// are rejected.
[[nodiscard]] caf::expected<result_batch>
decode_results(const std::string& bytes);

/// Serializes a `CancelJobs` request for the jobs with these client ids.
std::string encode_cancel(const std::vector<uint64_t>& ids);

/// Parses a `CancelJobs` request into the client ids it names.
[[nodiscard]] caf::expected<std::vector<uint64_t>>
decode_cancel(const std::string& bytes);

/// The control requests a client can make.
enum class query_kind { list_skills, get_status, breaker, crash_actor };

/// A decoded `ClientRequest`.
struct query {
  query_kind kind = query_kind::get_status;
  /// For `breaker`: the skill and what to do with its breaker.
  std::string skill;
  breaker_command command = breaker_command::show;
  /// For `crash_actor`: the path of the actor to crash.
  std::string target;
};

std::string encode_query(query_kind kind);

/// A `BreakerCommand` request for the breaker of `skill`.
std::string encode_breaker_query(const std::string& skill,
                                 breaker_command command);

/// A `CrashActor` request (test hook) for the actor at `target`.
std::string encode_crash_query(const std::string& target);

[[nodiscard]] caf::expected<query> decode_query(const std::string& bytes);

/// A request that needs no data back was carried out.
struct acknowledgement {
  std::string message;
};

/// Serializes a `ClientResponse` carrying a skill list, a status, a
/// breaker's status, an acknowledgement or an error.
std::string encode_response(const skill_list& x);
std::string encode_response(const node_status& x);
std::string encode_response(const breaker_status& x);
std::string encode_response(const acknowledgement& x);
std::string encode_error_response(const std::string& message);

/// A decoded `ClientResponse`; an error response becomes a `caf::error`.
using response
  = std::variant<skill_list, node_status, breaker_status, acknowledgement>;

[[nodiscard]] caf::expected<response> decode_response(const std::string& bytes);

} // namespace troupe::wire::client_codec
