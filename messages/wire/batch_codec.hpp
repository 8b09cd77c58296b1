#pragma once

#include "messages/job.hpp"

#include <caf/expected.hpp>

#include <string>
#include <vector>

// Converts between troupe's in-process structs and the member protocol's job
// messages (messages/wire/troupe.proto): what a member's link sends another
// member's gateway. Only bytes cross this header, so generated
// protobuf classes never leak into the rest of the code.
namespace troupe::wire::batch_codec {

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

} // namespace troupe::wire::batch_codec
